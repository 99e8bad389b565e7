import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockAda } from '@ada-airbyte/mock-ada';
import pg from 'pg';
import { parseDestinationUri } from './destinations/index.js';
import { openDuckDB } from './destinations/duckdb.js';
import { parsePostgresUri } from './destinations/postgres.js';
import { errorSentence, exitCodeFor } from './errors.js';
import { progressModeFor } from './progress.js';
import { type RunResult, runSync } from './run.js';
import { formatSummary, formatTable } from './summary.js';
import { DEMO_QUERIES, type DemoQuery, type Dialect } from './demo-queries.js';

/**
 * `ada-sync demo`: a mock Ada API in this process, a full sync into ./ada-demo.duckdb, one useful query,
 * then changes in the mock and an incremental sync that moves only those changes.
 */

export const DEMO_DESTINATION = 'duckdb:./ada-demo.duckdb';

const HISTORY_DAYS = 30;

interface Answer {
  query: DemoQuery;
  sql: string;
  headers: string[];
  rows: string[][];
}

/** Runs each demo query whose tables the destination has. */
async function queryDestination(uri: string): Promise<Answer[]> {
  const parsed = parseDestinationUri(uri);
  if (parsed.kind === 'duckdb') return queryDuckDB(parsed.target);
  if (parsed.kind === 'postgres') return queryPostgres(parsed.target);
  return [];
}

async function queryDuckDB(path: string): Promise<Answer[]> {
  const { instance, connection } = await openDuckDB(path);
  try {
    const read = async (sql: string) => {
      const result = await connection.runAndReadAll(sql);
      return { headers: result.columnNames(), rows: result.getRowsJson().map((r) => r.map((v) => String(v ?? ''))) };
    };
    const columns = await read(`SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`);
    return await runQueries('duckdb', columns.rows, (name) => `"${name}"`, read);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function queryPostgres(target: string): Promise<Answer[]> {
  const { connectionString, schema } = parsePostgresUri(target);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const read = async (sql: string, params: unknown[] = []) => {
      const result = await client.query<Record<string, unknown>>(sql, params);
      const headers = result.fields.map((f) => f.name);
      const rows = result.rows.map((r) => headers.map((h) => (r[h] instanceof Date ? (r[h] as Date).toISOString().slice(0, 10) : String(r[h] ?? ''))));
      return { headers, rows };
    };
    const columns = await read(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1`, [schema]);
    const quoted = `"${schema.replaceAll('"', '""')}"`;
    return await runQueries('postgres', columns.rows, (name) => `${quoted}."${name}"`, read);
  } finally {
    await client.end();
  }
}

async function runQueries(
  dialect: Dialect,
  tableColumns: string[][],
  table: (name: string) => string,
  read: (sql: string) => Promise<{ headers: string[]; rows: string[][] }>,
): Promise<Answer[]> {
  const tables = new Set(tableColumns.map(([t]) => t));
  const conversationColumns = tableColumns.filter(([t]) => t === 'conversations').map(([, c]) => c!);
  const answers: Answer[] = [];
  for (const query of DEMO_QUERIES.filter((q) => q.tables.every((t) => tables.has(t)))) {
    const sql = query.sql(dialect, table, conversationColumns);
    answers.push({ query, sql, ...(await read(sql)) });
  }
  return answers;
}

function streamLine(result: RunResult, stream: string) {
  return result.summary.streams.find((s) => s.stream === stream);
}

export async function runDemo(options: { destination?: string | undefined; quiet?: boolean; signal?: AbortSignal }): Promise<number> {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const destination = options.destination ?? DEMO_DESTINATION;
  parseDestinationUri(destination); // a bad URI fails before the mock starts
  const mock = await startMockAda({
    seed: 42,
    conversations: 1_500,
    messagesPerConversation: 8,
    historyDays: HISTORY_DAYS,
    // Clusters of records sharing one timestamp are there to test page edges; they would put a
    // spike and a gap into the demo's per-day numbers.
    tieGroups: 0,
  });
  const dir = await mkdtemp(join(tmpdir(), 'ada-demo-'));
  try {
    const configPath = join(dir, 'config.json');
    const startDate = new Date(Date.now() - (HISTORY_DAYS + 1) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await writeFile(
      configPath,
      JSON.stringify({ api_key: mock.apiKey, handle: 'demo', base_url: mock.url, start_date: startDate, lookback_window_minutes: 0 }, null, 2),
    );
    say(`A mock Ada API is running at ${mock.url} with ${mock.ids('conversations').length} conversations over ${HISTORY_DAYS} days.`);
    say(`Syncing everything into ${destination} ...`);
    say();
    const progress = progressModeFor(process.stderr, options.quiet === true);
    const first = await runSync({ configPath, destination: { kind: 'uri', uri: destination }, fullRefresh: true, progress, signal: options.signal });
    say(formatSummary(first.summary));
    if (first.error !== undefined) {
      process.stderr.write(`ada-sync: ${errorSentence(first.error)}\n`);
      return exitCodeFor(first.error);
    }

    for (const answer of await queryDestination(destination)) {
      say();
      say(answer.query.title);
      say(`  ${answer.sql}`);
      say();
      const numeric = new Set(answer.headers.map((h, i) => (/^(conversations|.*_pct)$/.test(h) ? i : -1)).filter((i) => i >= 0));
      say(formatTable(answer.headers, answer.rows, numeric));
    }

    const changes = mock.mutate({ update: 20, create: 5 });
    // A read covers whole seconds up to the one it starts in: let the changes' second pass first.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    say();
    say(`Ada changed: ${changes.updated.length} conversations updated, ${changes.created.length} new. Syncing again (incremental) ...`);
    say();
    const second = await runSync({ configPath, destination: { kind: 'uri', uri: destination }, progress, signal: options.signal });
    say(formatSummary(second.summary));
    if (second.error !== undefined) {
      process.stderr.write(`ada-sync: ${errorSentence(second.error)}\n`);
      return exitCodeFor(second.error);
    }
    const conversations = streamLine(second, 'conversations');
    const messages = streamLine(second, 'messages');
    say();
    say(
      `Incremental sync moved ${conversations?.records_read ?? 0} conversations and ${messages?.records_read ?? 0} messages ` +
        `(${conversations?.updated ?? 0} conversations updated in place, ${conversations?.inserted ?? 0} new; ` +
        `${messages?.inserted ?? 0} new messages).`,
    );
    const parsed = parseDestinationUri(destination);
    if (parsed.kind === 'duckdb') {
      say(`Explore it: duckdb ${parsed.target} "SELECT * FROM conversations LIMIT 10"`);
    }
    return 0;
  } finally {
    await mock.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

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

/**
 * `ada-sync demo`: a mock Ada API in this process, a full sync into ./ada-demo.duckdb, one useful query,
 * then changes in the mock and an incremental sync that moves only those changes.
 */

export const DEMO_DESTINATION = 'duckdb:./ada-demo.duckdb';

const HISTORY_DAYS = 30;
const QUERY_DAYS = 14;

function escalationColumn(columns: readonly string[]): string | undefined {
  return columns.includes('is_escalated') ? 'is_escalated' : columns.find((c) => /escalat/i.test(c));
}

function dailyQuery(escalation: string | undefined, dialect: 'duckdb' | 'postgres', table: string): string {
  const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
  const day = dialect === 'duckdb' ? `CAST(timezone('UTC', date_created) AS DATE)` : `(date_created AT TIME ZONE 'UTC')::date`;
  const since = dialect === 'duckdb' ? `now() - INTERVAL ${QUERY_DAYS} DAY` : `now() - INTERVAL '${QUERY_DAYS} days'`;
  const rate = escalation
    ? `, CAST(round(100.0 * avg(CASE WHEN CAST(${q(escalation)} AS BOOLEAN) THEN 1 ELSE 0 END), 1) AS DECIMAL(5, 1)) AS escalation_rate_pct`
    : '';
  return `SELECT ${day} AS day, count(*) AS conversations${rate} FROM ${table} WHERE date_created >= ${since} GROUP BY 1 ORDER BY 1`;
}

async function queryDestination(uri: string): Promise<{ sql: string; headers: string[]; rows: string[][] } | undefined> {
  const parsed = parseDestinationUri(uri);
  if (parsed.kind === 'duckdb') {
    const { instance, connection } = await openDuckDB(parsed.target);
    try {
      const cols = await connection.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'conversations'`,
      );
      const columns = cols.getRowObjectsJson().map((r) => String(r.column_name));
      const sql = dailyQuery(escalationColumn(columns), 'duckdb', 'conversations');
      const result = await connection.runAndReadAll(sql);
      return { sql, headers: result.columnNames(), rows: result.getRowsJson().map((r) => r.map((v) => String(v ?? ''))) };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
  if (parsed.kind === 'postgres') {
    const target = parsePostgresUri(parsed.target);
    const client = new pg.Client({ connectionString: target.connectionString });
    await client.connect();
    try {
      const cols = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'conversations'`,
        [target.schema],
      );
      const table = `"${target.schema.replaceAll('"', '""')}"."conversations"`;
      const sql = dailyQuery(escalationColumn(cols.rows.map((r) => r.column_name)), 'postgres', table);
      const result = await client.query<Record<string, unknown>>(sql);
      const headers = result.fields.map((f) => f.name);
      const rows = result.rows.map((r) => headers.map((h) => {
        const v = r[h];
        return v instanceof Date ? v.toISOString().slice(0, 10) : String(v ?? '');
      }));
      return { sql, headers, rows };
    } finally {
      await client.end();
    }
  }
  return undefined;
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

    const answer = await queryDestination(destination);
    if (answer) {
      say();
      say(`Conversations and escalation rate per day, last ${QUERY_DAYS} days:`);
      say(`  ${answer.sql}`);
      say();
      say(formatTable(answer.headers, answer.rows, new Set(answer.headers.map((_, i) => i).filter((i) => i > 0))));
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

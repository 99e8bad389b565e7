import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DestinationError } from '../errors.js';
import { type Cell, type ColumnType, type Row, formatDays, formatMicros, shortenIdentifier } from '../schema-columns.js';
import type { CommitPolicy } from './checkpoints.js';
import type { LineBatch } from './line-batch.js';
import { type PhysicalColumn, type PhysicalKind, type SqlDriver, type SqlParam, SqlDestination } from './sql.js';

const TYPE_NAMES: Record<PhysicalKind, string> = {
  string: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  date: 'date',
  json: 'jsonb',
  raw_id: 'text',
  extracted_at: 'timestamptz',
  meta: 'jsonb',
  seq: 'bigint',
};

function columnTypeOfPostgres(dataType: string): ColumnType {
  const t = dataType.toLowerCase();
  if (t === 'json' || t === 'jsonb' || t === 'array') return 'json';
  if (t.startsWith('timestamp')) return 'timestamp';
  if (t === 'date') return 'date';
  if (t === 'boolean') return 'boolean';
  if (['bigint', 'integer', 'smallint'].includes(t)) return 'integer';
  if (['double precision', 'real', 'numeric'].includes(t)) return 'number';
  return 'string';
}

/** SQLSTATE of a statement that waited for a lock longer than lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * How long a statement waits for a table another session holds (an ALTER TABLE behind a reader's open
 * transaction; a reader behind our ALTER waits as long): ADA_SYNC_LOCK_TIMEOUT_MS, 3 s by default.
 * The sync tries such a statement a few times (see SqlDestination.retryOnLock), then fails.
 */
function lockTimeoutMs(): number {
  const wanted = Number(process.env.ADA_SYNC_LOCK_TIMEOUT_MS);
  return Number.isFinite(wanted) && wanted > 0 ? wanted : 3_000;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

const MAX_IDENTIFIER_BYTES = 63;

/** PostgreSQL text cannot hold NUL, and jsonb rejects the \u0000 escape. */
function stripNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

function stripJsonNul(json: string): string {
  return json.includes('\\u0000') ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1') : json;
}

function csvQuoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** One CSV field for COPY: an unquoted empty field is NULL, so every non-null text is quoted. */
function csvField(kind: PhysicalKind, cell: Cell): string {
  if (cell === null) return '';
  switch (kind) {
    case 'timestamp':
    case 'extracted_at':
      return formatMicros(cell as bigint);
    case 'date':
      return formatDays(cell as number);
    case 'boolean':
      return cell ? 't' : 'f';
    case 'integer':
    case 'number':
    case 'seq':
      return String(cell);
    case 'json':
    case 'meta':
      return csvQuoted(stripJsonNul(cell as string));
    default:
      return csvQuoted(stripNul(String(cell)));
  }
}

export interface PostgresTarget {
  connectionString: string;
  schema: string;
  /** host:port/database, for messages; never the password. */
  display: string;
}

/** `postgres://user@host:5432/db?schema=ada` → connection string without our own `schema` parameter. */
export function parsePostgresUri(uri: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (error) {
    throw new DestinationError(`"${uri}" is not a valid PostgreSQL URI (expected postgres://user@host:5432/database?schema=name)`, {
      cause: error,
    });
  }
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  if (schema === '') throw new DestinationError('the schema parameter of the PostgreSQL URI is empty');
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  return {
    connectionString: url.toString(),
    schema,
    display: `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`,
  };
}

class PostgresDriver implements SqlDriver {
  readonly rules = { caseInsensitive: false, maxBytes: MAX_IDENTIFIER_BYTES };
  // COPY cannot skip the seq field that every encoded row carries: rows always go through staging.
  readonly loadsFinalTables = false;
  readonly lockTimeoutMs = lockTimeoutMs();
  private readonly client: pg.Client;
  private readonly schema: string;

  constructor(client: pg.Client, schema: string) {
    this.client = client;
    this.schema = schema;
  }

  isLockTimeout(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
  }

  async lockHolders(tables: readonly string[]): Promise<{ table: string; session: string }[]> {
    const rows = await this.query(
      `SELECT DISTINCT c.relname AS table_name, a.pid, a.usename, a.application_name, a.state, a.xact_start::text AS since
       FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = $1 AND c.relname IN (SELECT json_array_elements_text($2::json))
       ORDER BY a.pid`,
      [this.schema, JSON.stringify(tables)],
    );
    return rows.map((r) => ({
      table: `${this.schema}.${String(r.table_name)}`,
      session:
        `PID ${String(r.pid)}, user ${String(r.usename)}` +
        (r.application_name ? `, application "${String(r.application_name)}"` : '') +
        `, ${String(r.state ?? 'unknown state')}${r.since ? ` in a transaction begun at ${String(r.since)}` : ''}`,
    }));
  }

  quote = quote;

  table(name: string): string {
    return `${quote(this.schema)}.${quote(name)}`;
  }

  // Temporary tables live in the session's own schema, which is searched first.
  temp(name: string): string {
    return quote(name);
  }

  typeName(kind: PhysicalKind): string {
    return TYPE_NAMES[kind];
  }

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.client.query(sql, params);
  }

  async query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]> {
    const result = await this.client.query<Record<string, unknown>>(sql, params);
    return result.rows;
  }

  async tableColumns(name: string): Promise<{ name: string; type: ColumnType }[] | undefined> {
    const rows = await this.query(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [this.schema, name],
    );
    if (rows.length === 0) return undefined;
    return rows.map((r) => ({ name: String(r.column_name), type: columnTypeOfPostgres(String(r.data_type)) }));
  }

  encodeRow(columns: readonly PhysicalColumn[], row: Row, seq: number): string {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      let field: string;
      switch (column.kind) {
        case 'raw_id':
          field = csvQuoted(row.rawId);
          break;
        case 'extracted_at':
          field = formatMicros(row.extractedAtMicros);
          break;
        case 'meta':
          field = csvQuoted(stripJsonNul(row.meta));
          break;
        case 'seq':
          field = String(seq);
          break;
        default:
          field = csvField(column.kind, row.cells[column.cell!] ?? null);
      }
      line += i === 0 ? field : `,${field}`;
    }
    return `${line}\n`;
  }

  async appendRows(table: string, columns: readonly PhysicalColumn[], rows: LineBatch): Promise<void> {
    const copy = this.client.query(
      copyFrom(`COPY ${table} (${columns.map((c) => quote(c.name)).join(', ')}) FROM STDIN WITH (FORMAT csv)`),
    );
    await pipeline(Readable.from([rows.content()]), copy);
  }

  keyIndexSql(table: string, columns: readonly string[]): string {
    const index = shortenIdentifier(`${table}_ab_key`, MAX_IDENTIFIER_BYTES);
    return `CREATE INDEX IF NOT EXISTS ${quote(index)} ON ${this.table(table)} (${columns.map(quote).join(', ')})`;
  }

  // Without statistics the planner guesses, and may scan the whole final table to match a small batch.
  analyzeSql(tempTable: string): string {
    return `ANALYZE ${quote(tempTable)}`;
  }

  swapSql(tmpTable: string, finalTable: string, keyColumns: readonly string[]): string[] {
    const statements = [`DROP TABLE IF EXISTS ${this.table(finalTable)}`, `ALTER TABLE ${this.table(tmpTable)} RENAME TO ${quote(finalTable)}`];
    if (keyColumns.length > 0) {
      const from = shortenIdentifier(`${tmpTable}_ab_key`, MAX_IDENTIFIER_BYTES);
      const to = shortenIdentifier(`${finalTable}_ab_key`, MAX_IDENTIFIER_BYTES);
      statements.push(`ALTER INDEX IF EXISTS ${quote(this.schema)}.${quote(from)} RENAME TO ${quote(to)}`);
    }
    return statements;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

async function connectPostgres(target: PostgresTarget): Promise<PostgresDriver> {
  const client = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DestinationError(`could not connect to PostgreSQL at ${target.display}`, { cause: error });
  }
  try {
    await client.query(`SET lock_timeout = ${Math.round(lockTimeoutMs())}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(target.schema)}`);
    // Two syncs into one schema would interleave their merges; the second one stops instead.
    const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `ada-sync:${target.schema}`,
    ]);
    if (!lock.rows[0]?.locked) {
      throw new DestinationError(`another sync is writing to PostgreSQL schema ${target.schema} at ${target.display}; wait for it to finish`);
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    if (error instanceof DestinationError) throw error;
    throw new DestinationError(`could not use schema ${target.schema} at ${target.display}`, { cause: error });
  }
  return new PostgresDriver(client, target.schema);
}

export function postgresDestination(uri: string, policy?: CommitPolicy): SqlDestination {
  const target = parsePostgresUri(uri);
  return new SqlDestination(`postgres://${target.display}?schema=${target.schema}`, () => connectPostgres(target), policy);
}

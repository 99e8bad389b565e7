import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
} from '@duckdb/node-api';
import { DestinationError } from '../errors.js';
import type { Cell, ColumnType } from '../schema-columns.js';
import type { CommitPolicy } from './checkpoints.js';
import { type PhysicalColumn, type PhysicalKind, type SqlDriver, type SqlParam, SqlDestination, type StagedRow } from './sql.js';

const TYPE_NAMES: Record<PhysicalKind, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
  json: 'JSON',
  raw_id: 'VARCHAR',
  extracted_at: 'TIMESTAMPTZ',
  meta: 'JSON',
  seq: 'BIGINT',
};

function columnTypeOfDuckDB(dataType: string): ColumnType {
  const t = dataType.toUpperCase();
  if (t === 'JSON' || t.endsWith('[]') || t.startsWith('STRUCT') || t.startsWith('MAP')) return 'json';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  if (t === 'BOOLEAN') return 'boolean';
  if (['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER'].includes(t)) return 'integer';
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return 'number';
  return 'string';
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function appendCell(appender: DuckDBAppender, kind: PhysicalKind, cell: Cell): void {
  if (cell === null) {
    appender.appendNull();
    return;
  }
  switch (kind) {
    case 'integer':
    case 'seq':
      appender.appendBigInt(BigInt(cell as number));
      return;
    case 'number':
      appender.appendDouble(cell as number);
      return;
    case 'boolean':
      appender.appendBoolean(cell as boolean);
      return;
    case 'timestamp':
    case 'extracted_at':
      appender.appendTimestampTZ(new DuckDBTimestampTZValue(cell as bigint));
      return;
    case 'date':
      appender.appendDate(new DuckDBDateValue(cell as number));
      return;
    default:
      appender.appendVarchar(cell as string);
  }
}

/** "Conflicting lock is held in /usr/bin/node (PID 123)" → a sentence a user can act on. */
function describeOpenError(path: string, error: unknown): DestinationError {
  const message = error instanceof Error ? error.message : String(error);
  const lock = /Conflicting lock is held in .*?\(PID (\d+)\)/.exec(message);
  if (lock) {
    return new DestinationError(`the DuckDB file ${path} is in use by another process (PID ${lock[1]}); close it and retry`);
  }
  if (/not a valid DuckDB database file|database file .* is not valid|Unable to open database/i.test(message)) {
    return new DestinationError(`${path} is not a DuckDB database file; choose another path`, { cause: error });
  }
  return new DestinationError(`could not open the DuckDB file ${path}`, { cause: error });
}

class DuckDBDriver implements SqlDriver {
  readonly rules = { caseInsensitive: true, maxBytes: 255 };
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;

  constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance;
    this.connection = connection;
  }

  quote = quote;

  // Names stay unqualified: the database file's catalog name depends on the file name.
  table(name: string): string {
    return quote(name);
  }

  temp(name: string): string {
    return quote(name);
  }

  typeName(kind: PhysicalKind): string {
    return TYPE_NAMES[kind];
  }

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.connection.run(sql, params);
  }

  async query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJson();
  }

  async tableColumns(name: string): Promise<{ name: string; type: ColumnType }[] | undefined> {
    const rows = await this.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1 ORDER BY column_index`,
      [name],
    );
    if (rows.length === 0) return undefined;
    return rows.map((r) => ({ name: String(r.column_name), type: columnTypeOfDuckDB(String(r.data_type)) }));
  }

  async appendRows(tempTable: string, columns: readonly PhysicalColumn[], rows: readonly StagedRow[]): Promise<void> {
    const appender = await this.connection.createAppender(tempTable, 'main', 'temp');
    try {
      for (const { row, seq } of rows) {
        for (const column of columns) {
          switch (column.kind) {
            case 'raw_id':
              appender.appendVarchar(row.rawId);
              break;
            case 'extracted_at':
              appendCell(appender, 'extracted_at', row.extractedAtMicros);
              break;
            case 'meta':
              appender.appendVarchar(row.meta);
              break;
            case 'seq':
              appender.appendBigInt(BigInt(seq));
              break;
            default:
              appendCell(appender, column.kind, row.cells.get(column.name) ?? null);
          }
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  swapSql(tmpTable: string, finalTable: string): string[] {
    return [`DROP TABLE IF EXISTS ${quote(finalTable)}`, `ALTER TABLE ${quote(tmpTable)} RENAME TO ${quote(finalTable)}`];
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export async function openDuckDB(path: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const absolute = resolve(path);
  const parent = dirname(absolute);
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new DestinationError(`cannot create ${path}: a part of its directory path is a file, not a directory`);
    }
    throw new DestinationError(`cannot create the directory for ${path}`, { cause: error });
  }
  const info = await stat(absolute).catch(() => undefined);
  if (info?.isDirectory()) throw new DestinationError(`${path} is a directory, not a DuckDB file`);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(absolute);
  } catch (error) {
    throw describeOpenError(path, error);
  }
  try {
    return { instance, connection: await instance.connect() };
  } catch (error) {
    instance.closeSync();
    throw describeOpenError(path, error);
  }
}

export function duckdbDestination(path: string, policy?: CommitPolicy): SqlDestination {
  return new SqlDestination(
    `duckdb:${path}`,
    async () => {
      const { instance, connection } = await openDuckDB(path);
      return new DuckDBDriver(instance, connection);
    },
    policy,
  );
}

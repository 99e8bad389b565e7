import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DestinationError } from '../errors.js';
import { removeStaleTempDirs, tempPrefix } from '../temp-dirs.js';
import { type Cell, type ColumnType, NO_CHANGES, type Row } from '../schema-columns.js';
import type { CommitPolicy } from './checkpoints.js';
import { loadSql, quote, recordLineColumns, sqlString } from './duckdb-load-sql.js';
import type { LineBatch } from './line-batch.js';
import type { RecordLine } from './types.js';
import { type PhysicalColumn, type PhysicalKind, type SqlDriver, type SqlParam, SqlDestination } from './sql.js';

/**
 * Required rather than imported: the package is CommonJS, and an ESM import of it first has Node
 * lex its 120-odd files for their export names. That took longer than loading it, on the path to
 * the first record, and kept a core busy compiling the lexer.
 */
const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');

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

const SHM = '/dev/shm';

/** Whether `text` holds a `\ud…` or `\uD…` escape: one pass over a line, which usually has no `\u` at all. */
function hasSurrogateEscape(text: string): boolean {
  for (let at = text.indexOf('\\u'); at !== -1; at = text.indexOf('\\u', at + 2)) {
    const next = text.charCodeAt(at + 2);
    if (next === 0x64 || next === 0x44) return true; // d, D
  }
  return false;
}

function jsonCell(kind: PhysicalKind, cell: Cell): string {
  if (cell === null) return 'null';
  switch (kind) {
    case 'integer':
    case 'number':
    case 'boolean':
    case 'timestamp':
    case 'date':
      return String(cell); // bigint microseconds as exact digits
    case 'json':
      return wellFormedJsonText(cell as string);
    default:
      return JSON.stringify(cell);
  }
}

/**
 * JSON.stringify writes a lone surrogate as a lowercase \udXXX escape (as the spec has it), which
 * DuckDB's JSON reader rejects. Such strings become well-formed (U+FFFD in place of the lone half),
 * as the appender did.
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v)]));
  }
  return value;
}

function wellFormedJsonText(text: string): string {
  return text.includes('\\ud') ? JSON.stringify(wellFormed(JSON.parse(text))) : text;
}

/** `"c0":`, `"c1":`, …: staging file fields are named by column position, whatever the column's name. */
const fieldKeys: string[] = [];
function fieldKey(i: number): string {
  return (fieldKeys[i] ??= `"c${i}":`);
}

/**
 * One row as a line of JSON, its fields named after the staging table's column positions. NULLs and
 * an `_airbyte_meta` without changes are left out (read_json reads a missing field as NULL, and the
 * load puts the empty meta back): fewer bytes to encode here and to parse there.
 */
function stageLine(columns: readonly PhysicalColumn[], row: Row, seq: number, repaired = false): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const kind = columns[i]!.kind;
    let value: string;
    switch (kind) {
      case 'raw_id':
        value = JSON.stringify(row.rawId);
        break;
      case 'extracted_at':
        value = String(row.extractedAtMicros);
        break;
      case 'meta':
        if (row.meta === NO_CHANGES) continue;
        value = wellFormedJsonText(row.meta);
        break;
      case 'seq':
        value = String(seq);
        break;
      default: {
        const cell = row.cells[columns[i]!.cell!] ?? null;
        if (cell === null) continue;
        value = jsonCell(kind, cell);
      }
    }
    line += (line === '' ? '{' : ',') + fieldKey(i) + value;
  }
  line = line === '' ? '{}\n' : `${line}}\n`;
  // Also true of text that merely holds a backslash and "ud": once repaired, the line stands as it is.
  if (!repaired && line.includes('\\ud')) return stageLine(columns, wellFormedRow(row), seq, true);
  return line;
}

function wellFormedRow(row: Row): Row {
  const cells = row.cells.map((cell) => (typeof cell === 'string' ? cell.toWellFormed() : cell));
  return { ...row, meta: row.meta.toWellFormed(), cells };
}

function stagingBases(): string[] {
  const bases: string[] = [];
  try {
    accessSync(SHM, constants.W_OK);
    bases.push(SHM);
  } catch {
    // no writable /dev/shm (macOS, some containers)
  }
  bases.push(tmpdir());
  return bases;
}

async function makeStagingDir(bases: string[]): Promise<string> {
  for (const base of bases) await removeStaleTempDirs(base);
  for (;;) {
    try {
      return await mkdtemp(join(bases[0]!, tempPrefix('stage')));
    } catch (error) {
      if (bases.length <= 1) throw new DestinationError(`cannot create a staging directory in ${bases[0]}`, { cause: error });
      bases.shift();
    }
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
  readonly loadsFinalTables = true;
  // One process has the file: nothing else holds its tables' locks.
  readonly lockTimeoutMs = 0;
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;
  private stageDir: string | undefined;
  /** Where staging files may go, best first. */
  private readonly stageBases = stagingBases();
  private batches = 0;
  /** Per staging layout: the seq field's key where record lines can be read with it, else undefined. */
  private readonly seqKeys = new WeakMap<readonly PhysicalColumn[], string | undefined>();
  private readonly memoryLimit = duckdbSettings().memory_limit;

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

  encodeRow(columns: readonly PhysicalColumn[], row: Row, seq: number): string {
    return stageLine(columns, row, seq);
  }

  /** `{"c<seq>":seq,"m":<line>}`: the load reads the record's fields from the line, by name. */
  addRecordLine(rows: LineBatch, columns: readonly PhysicalColumn[], line: RecordLine, seq: number): boolean {
    const seqKey = this.recordLineSeqKey(columns);
    // DuckDB's JSON reader refuses the escape of a lone surrogate; encodeRow repairs the string.
    if (seqKey === undefined || hasSurrogateEscape(line.text)) return false;
    rows.addRecordLine(`{${seqKey}${seq},"m":`, line.text, line.utf8, '}\n', seq);
    return true;
  }

  /** Undefined once a data column's field cannot be named in a STRUCT: from then on, for good (columns are only added). */
  private recordLineSeqKey(columns: readonly PhysicalColumn[]): string | undefined {
    if (this.seqKeys.has(columns)) return this.seqKeys.get(columns);
    const data = columns.filter((c) => c.field !== undefined);
    const seq = columns.findIndex((c) => c.kind === 'seq');
    const readable = data.length > 0 && seq >= 0 && recordLineColumns(columns).length === data.length;
    const key = readable ? fieldKey(seq) : undefined;
    this.seqKeys.set(columns, key);
    return key;
  }

  /**
   * Writes the rows as a JSON-lines file that DuckDB reads with its own threads: many times cheaper
   * on our event loop than the appender's call per cell, and it runs while we parse the next rows.
   */
  async appendRows(table: string, columns: readonly PhysicalColumn[], rows: LineBatch, withSeq: boolean): Promise<void> {
    const file = await this.writeStagingFile(rows.content());
    try {
      await this.connection.run(loadSql(table, columns, rows, withSeq, file));
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * A staging file is written once and read once, so it goes to memory (/dev/shm) where there is one:
   * on a busy disk, writing it there is the slowest step of a sync. A full /dev/shm (small in some
   * containers) sends it, and later ones, to the temp directory.
   */
  private async writeStagingFile(content: Buffer): Promise<string> {
    for (;;) {
      this.stageDir ??= await makeStagingDir(this.stageBases);
      const file = join(this.stageDir, `batch-${++this.batches}.jsonl`);
      try {
        await writeFile(file, content);
        return file;
      } catch (error) {
        await rm(file, { force: true });
        if (this.stageBases.length <= 1) throw error;
        await rm(this.stageDir, { recursive: true, force: true });
        this.stageDir = undefined;
        this.stageBases.shift();
      }
    }
  }

  swapSql(tmpTable: string, finalTable: string): string[] {
    return [`DROP TABLE IF EXISTS ${quote(finalTable)}`, `ALTER TABLE ${quote(tmpTable)} RENAME TO ${quote(finalTable)}`];
  }

  /**
   * DuckDB keeps the blocks a commit wrote in memory until its memory limit pushes them out, so a
   * sync's memory grew with the table, up to that limit. A sync does not read them again (a commit
   * reloads the one row group it appends to): a limit lowered for a moment evicts them. That costs
   * nothing for blocks in the file already; the few others (staged rows past the last state, rows a
   * small commit left to the WAL) are written to the temp directory.
   */
  async afterCommit(): Promise<void> {
    try {
      await this.connection.run(`SET memory_limit = '1MB'`);
    } catch {
      // DuckDB refuses a limit below blocks still in use; there are none between commits, and the
      // limit is put back either way.
    }
    await this.connection.run(`SET memory_limit = ${sqlString(this.memoryLimit)}`);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.stageDir) await rm(this.stageDir, { recursive: true, force: true });
  }
}

/**
 * DuckDB's buffer pool keeps every block it wrote cached up to 80% of the machine's memory by default,
 * so a sync's memory would grow with the table; past this limit it writes blocks out and reads them
 * back when needed (and spills big sorts and joins to `<file>.tmp`). ADA_SYNC_DUCKDB_MEMORY overrides it.
 */
const DEFAULT_MEMORY_LIMIT = '128MB';

/**
 * DuckDB's own threads: one core is left to the source, which runs beside us the whole sync; more
 * threads than cores left only add switching. ADA_SYNC_DUCKDB_THREADS overrides it.
 */
function duckdbSettings(): { threads: string; memory_limit: string } {
  const wanted = Number(process.env.ADA_SYNC_DUCKDB_THREADS);
  const threads = Number.isInteger(wanted) && wanted > 0 ? wanted : Math.max(1, availableParallelism() - 1);
  return { threads: String(threads), memory_limit: process.env.ADA_SYNC_DUCKDB_MEMORY || DEFAULT_MEMORY_LIMIT };
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
    instance = await duckdb.DuckDBInstance.create(absolute, duckdbSettings());
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

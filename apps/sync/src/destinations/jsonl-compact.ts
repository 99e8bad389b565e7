import { mkdir, open, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnType } from '../schema-columns.js';
import { sqlString } from './duckdb-load-sql.js';

/**
 * De-duplication of a JSONL stream file by primary key, in bounded memory: DuckDB reads each line's
 * key and cursor (spilling to disk past its memory limit) and finds the lines that lose to a newer one
 * (newest cursor wins, on equal cursors the later line); the file is then copied without them, a
 * chunk at a time. A file without such lines is left as it is. Lines that are not JSON objects are
 * kept as they are; blank lines are dropped.
 */

const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');

/**
 * DuckDB's memory for this; past it, its tables, sorts and hash tables go to `spillDir`. Small, so
 * that a sync's memory stays the same whatever the file's size (64 MB is about the least the queries
 * run in), and room for the reader's buffers where lines are long.
 */
function memoryLimit(maxLine: number): string {
  return `${Math.max(64, Math.ceil((4 * maxLine) / 2 ** 20) + 32)}MB`;
}

function maxLineSize(longest: number): number {
  return Math.max(2 * 1024 * 1024, longest + 1024);
}
const CHUNK_BYTES = 1 << 20;
const AIRBYTE_FIELDS_NULLED = '{"_airbyte_raw_id":null,"_airbyte_extracted_at":null,"_airbyte_meta":null}';

export interface CompactInput {
  path: string;
  keyFields: readonly string[];
  cursorField: string | undefined;
  cursorType: ColumnType;
  /** Bytes of the file that were there before this sync: lines after them are this sync's. */
  newFrom: number;
  /** Where DuckDB may spill (a folder it creates and that is removed afterwards). */
  spillDir: string;
}

export interface CompactResult {
  /** Whether lines were dropped, and `target` written; otherwise the file is already one line per key. */
  rewritten: boolean;
  /** Size and lines of the result (of the file itself when it was not rewritten). */
  size: number;
  lines: number;
  /** Keys this sync's lines added, and those whose stored record they changed. */
  inserted: number;
  updated: number;
}

/** A JSON pointer (RFC 6901) to a top-level field: any name, however odd, without quoting rules. */
function pointer(field: string): string {
  return sqlString(`/${field.replaceAll('~', '~0').replaceAll('/', '~1')}`);
}

function cursorSql(field: string | undefined, type: ColumnType): string {
  if (field === undefined) return 'NULL';
  const text = `json_extract_string(line, ${pointer(field)})`;
  switch (type) {
    case 'timestamp':
      return `TRY_CAST(${text} AS TIMESTAMPTZ)`;
    case 'date':
      return `TRY_CAST(${text} AS DATE)`;
    case 'integer':
      return `TRY_CAST(${text} AS BIGINT)`;
    case 'number':
      return `TRY_CAST(${text} AS DOUBLE)`;
    case 'boolean':
      return `TRY_CAST(${text} AS BOOLEAN)`;
    default:
      return text;
  }
}

/** A missing field and a JSON null are the same key part, as they are to the SQL destinations. */
function keySql(fields: readonly string[]): string {
  const parts = fields.map((f) => `coalesce(json_extract(line, ${pointer(f)})::VARCHAR, 'null')`);
  return `CASE WHEN json_valid(line) AND json_type(line) = 'OBJECT' THEN ${parts.length === 1 ? parts[0] : `concat_ws(chr(1), ${parts.join(', ')})`} END`;
}

/** Lines of the file, numbered from 1, as DuckDB reads them: one VARCHAR per line, nothing unquoted or split. */
function linesSql(path: string, longest: number): string {
  const maxLine = maxLineSize(longest);
  // \x01 never appears in a line: JSON.stringify escapes every control character.
  return (
    `read_csv(${sqlString(path)}, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', header = false, ` +
    `auto_detect = false, new_line = '\\n', max_line_size = ${maxLine}, buffer_size = ${2 * maxLine}) WITH ORDINALITY`
  );
}

/** The number of lines that start before `offset`, and the longest line, of the file. */
async function scanLines(path: string, offset: number): Promise<{ linesBefore: number; longest: number; size: number; lines: number }> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let position = 0;
    let lineStart = 0;
    let linesBefore = 0;
    let lines = 0;
    let longest = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      for (let at = chunk.indexOf(10); at !== -1 && at < bytesRead; at = chunk.indexOf(10, at + 1)) {
        const end = position + at;
        longest = Math.max(longest, end - lineStart);
        if (lineStart < offset) linesBefore++;
        lines++;
        lineStart = end + 1;
      }
      position += bytesRead;
    }
    longest = Math.max(longest, position - lineStart);
    if (lineStart < position) {
      lines++;
      if (lineStart < offset) linesBefore++;
    }
    return { linesBefore, longest, size: position, lines };
  } finally {
    await handle.close();
  }
}

/**
 * De-duplicates `input.path` into `target` (fsynced) where some line loses; leaves both alone where
 * none does.
 */
export async function compactFile(input: CompactInput, target: string): Promise<CompactResult> {
  const scanned = await scanLines(input.path, input.newFrom);
  await mkdir(input.spillDir, { recursive: true });
  const instance = await duckdb.DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: memoryLimit(maxLineSize(scanned.longest)),
    temp_directory: input.spillDir,
    preserve_insertion_order: 'false',
  });
  try {
    const db = await instance.connect();
    try {
      const lines = linesSql(input.path, scanned.longest);
      const quick = await quickCheck(db, input, lines);
      // A first backfill without repeated keys (the common case) needs no more than that one pass.
      if (scanned.linesBefore === 0 && quick.unique) return { rewritten: false, size: scanned.size, lines: scanned.lines, inserted: quick.keys, updated: 0 };
      const counts = await rankLines(db, input, lines, scanned.linesBefore);
      if (counts.dropped === 0) return { rewritten: false, size: scanned.size, lines: scanned.lines, inserted: counts.inserted, updated: counts.updated };
      const written = await copyWithout(input.path, target, droppedLines(db));
      return { rewritten: true, ...written, inserted: counts.inserted, updated: counts.updated };
    } finally {
      db.closeSync();
    }
  } finally {
    instance.closeSync();
    await rm(input.spillDir, { recursive: true, force: true });
  }
}

/**
 * One pass that tells whether every line holds a key of its own, comparing 64-bit hashes of the keys
 * (little memory per key): two keys with one hash only send the file the exact way, through rankLines.
 */
async function quickCheck(db: DuckDBConnection, input: CompactInput, lines: string): Promise<{ unique: boolean; keys: number }> {
  // Grouped by the hash rather than count(DISTINCT …): DuckDB spills a grouping to disk when it
  // outgrows the memory limit, while the distinct count held every hash in memory, and a million
  // keys next to a line buffer failed to allocate within the limit.
  const reader = await db.runAndReadAll(
    `SELECT coalesce(sum(blank), 0)::BIGINT AS blank, coalesce(sum(keyed), 0)::BIGINT AS keyed, count(h) AS distinct_keys FROM (` +
      `SELECT hash(k) AS h, count(*) FILTER (WHERE line IS NULL OR trim(line) = '') AS blank, count(k) AS keyed ` +
      `FROM (SELECT line, ${keySql(input.keyFields)} AS k FROM ${lines}) GROUP BY h)`,
  );
  const [blank, keyed, distinctKeys] = (reader.getRows()[0] ?? []).map(Number);
  return { unique: blank === 0 && keyed === distinctKeys, keys: keyed ?? 0 };
}

/** Ranks every line within its key (tables `keyed`, `ranked`, `matched`) and counts what this sync's lines did. */
async function rankLines(
  db: DuckDBConnection,
  input: CompactInput,
  lines: string,
  linesBefore: number,
): Promise<{ dropped: number; inserted: number; updated: number }> {
  const count = async (sql: string) => Number((await db.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
  await db.run(
    `CREATE TEMP TABLE keyed AS SELECT ordinality AS n, ${keySql(input.keyFields)} AS k, ${cursorSql(input.cursorField, input.cursorType)} AS c, ` +
      `line IS NULL OR trim(line) = '' AS blank FROM ${lines}`,
  );
  const newest = 'ORDER BY c DESC NULLS LAST, n DESC';
  await db.run(`CREATE TEMP TABLE ranked AS SELECT n, k, row_number() OVER (PARTITION BY k ${newest}) AS rn FROM keyed WHERE k IS NOT NULL`);
  // For each key a line of this sync won, the line that held it before (if any).
  await db.run(
    `CREATE TEMP TABLE matched AS SELECT w.n AS new_n, o.n AS old_n FROM ranked w JOIN ` +
      `(SELECT k, n FROM (SELECT k, n, row_number() OVER (PARTITION BY k ${newest}) AS rn FROM keyed WHERE k IS NOT NULL AND n <= ${linesBefore}) WHERE rn = 1) o ` +
      `ON o.k = w.k WHERE w.rn = 1 AND w.n > ${linesBefore}`,
  );
  const wins = await count(`SELECT count(*) FROM ranked WHERE rn = 1 AND n > ${linesBefore}`);
  const matched = await count('SELECT count(*) FROM matched');
  const updated = matched === 0 ? 0 : await count(changedSql(lines));
  const dropped = await count('SELECT (SELECT count(*) FROM keyed WHERE blank) + (SELECT count(*) FROM ranked WHERE rn > 1)');
  return { dropped, inserted: wins - matched, updated };
}

/** The numbers of the lines to drop, ascending, a chunk at a time. */
async function* droppedLines(db: DuckDBConnection): AsyncGenerator<readonly number[]> {
  const stream = await db.stream('SELECT n FROM keyed WHERE blank UNION ALL SELECT n FROM ranked WHERE rn > 1 ORDER BY n');
  for (let chunk = await stream.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await stream.fetchChunk()) {
    yield chunk.getColumnValues(0).map(Number);
  }
}

/** Matched keys whose record (without the `_airbyte_*` fields) this sync changed. */
function changedSql(lines: string): string {
  const digests =
    `SELECT ordinality AS n, md5(json_merge_patch(line, '${AIRBYTE_FIELDS_NULLED}')::VARCHAR) AS d FROM ${lines} ` +
    'WHERE ordinality IN (SELECT new_n FROM matched UNION ALL SELECT old_n FROM matched)';
  return `WITH d AS (${digests}) SELECT count(*) FROM matched m JOIN d a ON a.n = m.new_n JOIN d b ON b.n = m.old_n WHERE a.d <> b.d`;
}

/**
 * Copies `source` to `target` without the lines numbered in `dropped` (ascending, from 1), byte for
 * byte otherwise (a last line without a newline gets one); fsyncs the copy.
 */
async function copyWithout(source: string, target: string, dropped: AsyncIterable<readonly number[]>): Promise<{ size: number; lines: number }> {
  const drops = dropNumbers(dropped);
  const input = await open(source, 'r');
  const output = await open(target, 'w');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let position = 0;
    let line = 1;
    let lines = 0;
    let size = 0;
    let drop = await drops.next();
    /** The start of the current line, read in earlier chunks. */
    let carry: Buffer[] = [];
    const write = async (pieces: Buffer[]) => {
      const nonEmpty = pieces.filter((p) => p.length > 0);
      if (nonEmpty.length > 0) size += (await output.writev(nonEmpty)).bytesWritten;
    };
    for (;;) {
      const { bytesRead } = await input.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const pieces: Buffer[] = [];
      let spanStart = 0;
      let lineStart = 0;
      for (let at = chunk.indexOf(10); at !== -1 && at < bytesRead; at = chunk.indexOf(10, at + 1)) {
        if (line === drop) {
          pieces.push(chunk.subarray(spanStart, lineStart));
          spanStart = at + 1;
          drop = await drops.next();
        } else {
          // Only the chunk's first line can have begun earlier: its start goes before anything of this chunk.
          pieces.push(...carry);
          lines++;
        }
        carry = [];
        lineStart = at + 1;
        line++;
      }
      pieces.push(chunk.subarray(spanStart, lineStart));
      await write(pieces);
      if (lineStart < bytesRead) carry.push(Buffer.from(chunk.subarray(lineStart, bytesRead)));
    }
    if (carry.length > 0 && line !== drop) {
      await write([...carry, Buffer.from('\n')]);
      lines++;
    }
    await output.sync();
    return { size, lines };
  } finally {
    await output.close();
    await input.close();
  }
}

/** The dropped line numbers one at a time; Infinity once there are no more. */
function dropNumbers(dropped: AsyncIterable<readonly number[]>): { next(): Promise<number> } {
  const chunks = dropped[Symbol.asyncIterator]();
  let current: readonly number[] = [];
  let index = 0;
  return {
    async next() {
      while (index >= current.length) {
        const { value, done } = await chunks.next();
        if (done) return Number.POSITIVE_INFINITY;
        current = value;
        index = 0;
      }
      return current[index++]!;
    },
  };
}

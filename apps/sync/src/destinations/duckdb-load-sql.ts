import { type ColumnType, NO_CHANGES } from '../schema-columns.js';
import type { LineBatch } from './line-batch.js';
import type { PhysicalColumn, PhysicalKind } from './sql.js';

/**
 * The SQL of a DuckDB load: the INSERT that reads a staging file of encoded rows (`{"c0":…}`, see
 * duckdb.ts) and record lines as the source wrote them (`{"c<seq>":…,"m":<line>}`) into a table.
 */

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** How each kind is written in a staging file, and read back by read_json. */
const STAGE_JSON_TYPES: Record<PhysicalKind, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'BIGINT',
  date: 'INTEGER',
  // JSON text goes in as it is, not as a string holding it: no escaping here, no second parse there.
  json: 'JSON',
  raw_id: 'VARCHAR',
  extracted_at: 'BIGINT',
  meta: 'JSON',
  seq: 'BIGINT',
};

/** SQL that turns a staging file's field into the staging table's type. */
function fromStageFile(kind: PhysicalKind, field: string): string {
  switch (kind) {
    case 'timestamp':
    case 'extracted_at':
      // Epoch microseconds straight to an instant: no time zone applied, and no ICU call per value
      // (timezone('UTC', make_timestamp(…)) costs ~40 times as much, a tenth of a large load).
      return `make_timestamptz(${field})`;
    case 'date':
      return `(DATE '1970-01-01' + ${field})`;
    case 'meta':
      return `coalesce(${field}, '${NO_CHANGES}'::JSON)`;
    default:
      return field;
  }
}

/**
 * How a record line's field is read, by column type: as written (fitsAsWritten vouches that it
 * is of the column's type), timestamps and dates as text for recordLineValue to cast.
 */
const RECORD_LINE_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'VARCHAR',
  date: 'VARCHAR',
  json: 'JSON',
};

/** SQL that turns a record line's field into the column's type. */
function recordLineValue(kind: ColumnType, field: string): string {
  const value = `struct_extract(m.record.data, ${sqlString(field)})`;
  if (kind === 'timestamp') return `TRY_CAST(${value} AS TIMESTAMPTZ)`;
  if (kind === 'date') return `TRY_CAST(${value} AS DATE)`;
  return value;
}

/** A field name a DuckDB STRUCT can hold: not empty, no NUL. */
function nameable(field: string): boolean {
  return field !== '' && !field.includes('\0');
}

/**
 * Positions of the data columns a record line's STRUCT names. DuckDB refuses a STRUCT with an empty
 * name or two names equal but for case; record lines are only staged while no column has such a
 * field (see recordLineSeqKey), so a column left out here came after them and they hold nothing for it.
 */
export function recordLineColumns(columns: readonly PhysicalColumn[]): number[] {
  const seen = new Set<string>();
  const positions: number[] = [];
  columns.forEach((column, i) => {
    if (column.field === undefined || !nameable(column.field)) return;
    const folded = column.field.toLowerCase();
    if (seen.has(folded)) return;
    seen.add(folded);
    positions.push(i);
  });
  return positions;
}

/**
 * The INSERT that loads `file` (rows encoded for `columns`) into `table`; without `withSeq` the seq
 * column is left out (a final table has none).
 */
export function loadSql(
  table: string,
  columns: readonly PhysicalColumn[],
  rows: Pick<LineBatch, 'hasEncodedRows' | 'hasRecordLines' | 'longest'>,
  withSeq: boolean,
  file: string,
): string {
  // Only the seq field when every row is a record line: the others would all be NULL, and
  // coalescing them costs a third of such a load.
  const encoded = (kind: PhysicalKind) => rows.hasEncodedRows || kind === 'seq';
  const fields = columns.flatMap((c, i) => (encoded(c.kind) ? [`c${i}: '${STAGE_JSON_TYPES[c.kind]}'`] : []));
  const values = columns.map((column, i) => (encoded(column.kind) ? fromStageFile(column.kind, `c${i}`) : 'NULL'));
  if (rows.hasRecordLines) {
    // Rows from record lines have none of the c fields, encoded rows no m: each value is one or the other.
    const either = (i: number, fromLine: string) => (rows.hasEncodedRows ? `coalesce(${values[i]}, ${fromLine})` : fromLine);
    const named = recordLineColumns(columns);
    const struct = named.map((i) => `${quote(columns[i]!.field!)} ${RECORD_LINE_TYPES[columns[i]!.kind as ColumnType]}`).join(', ');
    fields.push(`m: ${sqlString(`STRUCT(record STRUCT(data STRUCT(${struct}), emitted_at BIGINT))`)}`);
    for (const i of named) values[i] = either(i, recordLineValue(columns[i]!.kind as ColumnType, columns[i]!.field!));
    columns.forEach((column, i) => {
      if (column.kind === 'raw_id') values[i] = either(i, 'CAST(uuid() AS VARCHAR)');
      if (column.kind === 'extracted_at') values[i] = either(i, 'make_timestamptz(m.record.emitted_at * 1000)');
      if (column.kind === 'meta' && !rows.hasEncodedRows) values[i] = fromStageFile('meta', 'NULL');
    });
  }
  const loaded = columns.map((column, i) => ({ column, value: values[i]! })).filter(({ column }) => withSeq || column.kind !== 'seq');
  // A line may hold up to 3 UTF-8 bytes per UTF-16 unit; read_json refuses objects over its limit.
  const maxBytes = Math.max(16 * 1024 * 1024, rows.longest * 3 + 1024);
  return (
    `INSERT INTO ${table} (${loaded.map(({ column }) => quote(column.name)).join(', ')}) ` +
    `SELECT ${loaded.map(({ value }) => value).join(', ')} ` +
    `FROM read_json(${sqlString(file)}, format = 'newline_delimited', records = true, auto_detect = false, ` +
    `maximum_object_size = ${maxBytes}, columns = {${fields.join(', ')}})`
  );
}

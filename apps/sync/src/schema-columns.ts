import { createHash } from 'node:crypto';

/**
 * JSON schema → typed columns, and record values → cells of those columns.
 * Shared by the SQL destinations (and the JSONL one for cursor comparison) so that DuckDB and
 * PostgreSQL agree on what a field becomes.
 */

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date' | 'json';

export interface Column {
  /** Top-level field of the record the column holds. */
  readonly field: string;
  /** Column name in the table (usually the field itself). */
  readonly name: string;
  readonly type: ColumnType;
  /** The field's name is also one every object has (`constructor`, `toString`): see fieldValue. */
  readonly inherited?: boolean;
}

/** The record's own value of the column's field, never one a name like `constructor` finds on Object.prototype. */
export function fieldValue(data: Record<string, unknown>, column: Column): unknown {
  return column.inherited && !Object.hasOwn(data, column.field) ? undefined : data[column.field];
}

/**
 * A cell as the loaders receive it. Its meaning depends on the column type:
 * timestamp → bigint microseconds since the epoch (UTC); date → number of days since the epoch;
 * json → JSON text; integer/number → number; boolean → boolean; string → string.
 */
export type Cell = string | number | boolean | bigint | null;

export const AIRBYTE_COLUMNS = ['_airbyte_raw_id', '_airbyte_extracted_at', '_airbyte_meta'] as const;
/** Arrival order inside a staging table; never in a final table. */
export const SEQ_COLUMN = '_ab_seq';

export interface IdentifierRules {
  /** DuckDB folds identifiers case-insensitively, so `Name` and `name` would collide there. */
  readonly caseInsensitive: boolean;
  /** PostgreSQL silently truncates identifiers to 63 bytes; we shorten them ourselves, deterministically. */
  readonly maxBytes: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(schema: JsonObject): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The column type of one property schema. Anything we cannot type precisely is kept losslessly as JSON. */
export function columnTypeOf(schema: unknown): ColumnType {
  if (!isObject(schema)) return 'json';
  const variants = ['anyOf', 'oneOf']
    .map((k) => schema[k])
    .find((v): v is unknown[] => Array.isArray(v));
  if (variants && typesOf(schema).length === 0) {
    const kinds = new Set(
      variants.filter((v) => !(isObject(v) && typesOf(v).join() === 'null')).map((v) => columnTypeOf(v)),
    );
    return kinds.size === 1 ? [...kinds][0]! : 'json';
  }
  const types = typesOf(schema).filter((t) => t !== 'null');
  if (types.length !== 1) return 'json';
  const airbyteType = typeof schema.airbyte_type === 'string' ? schema.airbyte_type : undefined;
  switch (types[0]) {
    case 'string': {
      if (schema.format === 'date-time' || airbyteType === 'timestamp_with_timezone') return 'timestamp';
      if (schema.format === 'date') return 'date';
      return 'string';
    }
    case 'integer':
      return 'integer';
    case 'number':
      return airbyteType === 'integer' ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/**
 * The type for a field the schema does not declare (streams allow additionalProperties).
 * Strings stay strings even when they look like dates: a later value that does not parse would otherwise be lost.
 */
export function inferColumnType(value: unknown): ColumnType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'json';
}

/** Schema properties in declaration order. */
export function schemaProperties(jsonSchema: unknown): [string, unknown][] {
  if (!isObject(jsonSchema) || !isObject(jsonSchema.properties)) return [];
  return Object.entries(jsonSchema.properties);
}

export function shortenIdentifier(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let prefix = '';
  for (const ch of name) {
    if (Buffer.byteLength(prefix + ch) > maxBytes - hash.length - 1) break;
    prefix += ch;
  }
  return `${prefix}_${hash}`;
}

/**
 * The data columns of one table: those the stream schema declares plus fields first seen in records,
 * matched to the columns the table already has. Columns are only ever added, never retyped or dropped,
 * so a field Ada adds later becomes a new column without a reset.
 *
 * A field's column is the first free name among `field`, `field_1`, `field_2`, … (shortened where the
 * database limits names), so the same field finds the same column on every run without storing a
 * mapping.
 */
export class TableLayout {
  private readonly rules: IdentifierRules;
  private readonly list: Column[] = [];
  private readonly byField = new Map<string, Column>();
  /** Keys of every name in use: reserved, existing, or given to a field now. */
  private readonly taken = new Set<string>();
  private readonly existing = new Map<string, ColumnType>();
  private readonly claimed = new Set<string>();
  private readonly schemaFields: Set<string>;

  constructor(rules: IdentifierRules, existing: readonly { name: string; type: ColumnType }[], jsonSchema: unknown) {
    this.rules = rules;
    for (const name of [...AIRBYTE_COLUMNS, SEQ_COLUMN]) this.taken.add(this.key(name));
    for (const col of existing) {
      if ((AIRBYTE_COLUMNS as readonly string[]).includes(col.name)) continue;
      this.existing.set(col.name, col.type);
      this.taken.add(this.key(col.name));
    }
    const properties = schemaProperties(jsonSchema);
    this.schemaFields = new Set(properties.map(([field]) => field));
    for (const [field, schema] of properties) this.add(field, columnTypeOf(schema));
  }

  get columns(): readonly Column[] {
    return this.list;
  }

  column(field: string): Column | undefined {
    return this.byField.get(field);
  }

  /**
   * Gives `field` a column: an existing one made for it on an earlier run (keeping that column's
   * type), else a new one of `type`. Returns it, or undefined if the field had one already.
   */
  add(field: string, type: ColumnType): Column | undefined {
    if (this.byField.has(field)) return undefined;
    for (let i = 0; ; i++) {
      const name = shortenIdentifier(i === 0 ? field : `${field}_${i}`, this.rules.maxBytes);
      if (name === '') continue; // databases have no empty names: a field named "" gets `_1`
      const existingType = this.existing.get(name);
      if (existingType !== undefined && !this.claimed.has(name) && (i === 0 || !this.schemaFields.has(name))) {
        this.claimed.add(name);
        return this.register({ field, name, type: existingType });
      }
      if (!this.taken.has(this.key(name))) return this.register({ field, name, type });
    }
  }

  /** Columns for fields of `data` not seen before (with a non-null value to infer a type from). */
  addUnknownFields(data: JsonObject): Column[] {
    let added: Column[] | undefined;
    for (const field of Object.keys(data)) {
      if (this.byField.has(field)) continue;
      const type = inferColumnType(data[field]);
      if (type === undefined) continue;
      const column = this.add(field, type);
      if (column) (added ??= []).push(column);
    }
    return added ?? [];
  }

  private register(fields: Column): Column {
    const column = fields.field in Object.prototype ? { ...fields, inherited: true } : fields;
    this.list.push(column);
    this.byField.set(column.field, column);
    this.taken.add(this.key(column.name));
    return column;
  }

  private key(name: string): string {
    return this.rules.caseInsensitive ? name.toLowerCase() : name;
  }
}

// --- values -----------------------------------------------------------------------------------

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/** The number written by `count` ASCII digits at `at`, or -1 if any is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), or undefined for no such date. */
function daysFromCivil(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!)) return undefined;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Whole seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.f…]Z`, the form nearly every timestamp
 * arrives in, read by character codes (the general path's regular expression costs more than the
 * rest of a row); NaN for anything else or out of range, which the general path decides. The
 * fraction's digits are checked here and read by canonicalMicros.
 */
function canonicalSeconds(text: string): number {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90 /* Z */) return Number.NaN;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return Number.NaN;
  }
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const h = digitsAt(text, 11, 2);
  const mi = digitsAt(text, 14, 2);
  const sec = digitsAt(text, 17, 2);
  const days = y < 0 ? undefined : daysFromCivil(y, mo, d);
  if (days === undefined || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return Number.NaN;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 /* . */ || n < 22) return Number.NaN;
    if (digitsAt(text, 20, Math.min(n - 21, 9)) < 0) return Number.NaN;
  }
  return days * 86_400 + h * 3600 + mi * 60 + Math.min(sec, 59); // a leap second folds into :59
}

function canonicalMicros(text: string): bigint | undefined {
  const seconds = canonicalSeconds(text);
  if (Number.isNaN(seconds)) return undefined;
  let micros = 0;
  let scale = 100_000;
  for (let i = 20; i < text.length - 1; i++) {
    micros += (text.charCodeAt(i) - 48) * scale; // digits past the sixth add nothing (scale < 1 truncates below)
    scale /= 10;
  }
  micros = Math.floor(micros);
  const total = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(seconds) * 1_000_000n + BigInt(micros);
}

/**
 * A canonical timestamp that needs no rounding or folding: at most 6 fractional digits, no leap
 * second, a year from 0001. Databases read such text to the same instant as parseTimestampMicros.
 */
export function isPlainTimestamp(text: string): boolean {
  return (
    text.length <= 27 &&
    text.charCodeAt(17) <= 53 /* seconds below 60 */ &&
    !text.startsWith('0000') &&
    !Number.isNaN(canonicalSeconds(text))
  );
}

/** RFC 3339 (and the looser forms sources emit) → microseconds since the epoch, keeping all 6 fractional digits. */
export function parseTimestampMicros(text: string): bigint | undefined {
  const fast = canonicalMicros(text);
  if (fast !== undefined) return fast;
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  if (days === undefined) return undefined;
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Math.min(Number(m[6] ?? 0), 59); // a leap second folds into :59
  if (hour > 23 || minute > 59 || Number(m[6] ?? 0) > 60) return undefined;
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
  }
  const seconds = BigInt(days) * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return seconds * 1_000_000n + fraction;
}

/** Microseconds → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function formatMicros(micros: bigint): string {
  let ms = micros / 1000n;
  let rest = micros % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}Z`;
}

export function formatDays(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

const NUMERIC_RE = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Converts a JSON value to a cell of the column type; `undefined` means it cannot be represented (a typecast error). */
export function toCell(value: unknown, type: ColumnType): Cell | undefined {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return undefined;
    case 'integer': {
      const n = typeof value === 'string' && NUMERIC_RE.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'number': {
      const n = typeof value === 'string' && NUMERIC_RE.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
    case 'timestamp':
      return typeof value === 'string' ? parseTimestampMicros(value) : undefined;
    case 'date': {
      if (typeof value !== 'string') return undefined;
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
      return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
    }
  }
}

/** `YYYY-MM-DD` of a real day, from the year 0001: what databases read as the same date as toCell. */
function isPlainDate(text: string): boolean {
  return text.length === 10 && !text.startsWith('0000') && toCell(text, 'date') !== undefined;
}

/**
 * Whether recordToRow takes the record's values as they are: each of its column's type (timestamps
 * and dates in their plain forms), none of them changed, and an integer emitted_at. A database that
 * reads such a record's own JSON text by field name gets exactly the row recordToRow makes of it.
 */
export function fitsAsWritten(record: RecordLike, layout: TableLayout): boolean {
  if (record.meta?.changes?.length || !Number.isSafeInteger(record.emitted_at)) return false;
  const data = record.data as JsonObject;
  for (const column of layout.columns) {
    const value = fieldValue(data, column);
    if (value === null || value === undefined) continue;
    switch (column.type) {
      case 'string':
        if (typeof value !== 'string') return false;
        break;
      case 'integer':
        if (!Number.isSafeInteger(value)) return false;
        break;
      case 'number':
        if (typeof value !== 'number') return false;
        break;
      case 'boolean':
        if (typeof value !== 'boolean') return false;
        break;
      case 'timestamp':
        if (typeof value !== 'string' || !isPlainTimestamp(value)) return false;
        break;
      case 'date':
        if (typeof value !== 'string' || !isPlainDate(value)) return false;
        break;
      case 'json':
        break;
    }
  }
  return true;
}

/** Orders two cells of the same column type; null sorts lowest, as it does in the SQL merge (NULLS LAST under DESC). */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface MetaChange {
  field: string;
  change: 'NULLED' | 'TRUNCATED';
  reason: string;
}

export interface Row {
  rawId: string;
  extractedAtMicros: bigint;
  /** JSON text of `_airbyte_meta`. */
  meta: string;
  /** Cells in the order of the layout's columns when the row was made (later columns: none, i.e. null). */
  cells: Cell[];
}

export interface RecordLike {
  data: object;
  emitted_at: number;
  meta?: { changes?: readonly unknown[] } | undefined;
}

/**
 * One record as a row of the layout. Values that do not fit their column are nulled and listed in
 * `_airbyte_meta.changes`, as Airbyte destinations do, instead of failing the whole batch.
 */
export function recordToRow(record: RecordLike, layout: TableLayout, rawId: string): Row {
  const data = record.data as JsonObject;
  const columns = layout.columns;
  const cells: Cell[] = new Array<Cell>(columns.length);
  let changes: unknown[] | undefined = record.meta?.changes?.length ? [...record.meta.changes] : undefined;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const cell = toCell(fieldValue(data, column), column.type);
    if (cell === undefined) {
      (changes ??= []).push({ field: column.field, change: 'NULLED', reason: 'DESTINATION_TYPECAST_ERROR' } satisfies MetaChange);
      cells[i] = null;
    } else {
      cells[i] = cell;
    }
  }
  return {
    rawId,
    extractedAtMicros: emittedAtMicros(record.emitted_at),
    meta: changes ? JSON.stringify({ changes }) : NO_CHANGES,
    cells,
  };
}

/** `_airbyte_meta` of a record nothing was changed in (one shared string: destinations may compare by identity). */
export const NO_CHANGES = '{"changes":[]}';
// Records of a page share their emitted_at: one BigInt for all of them.
let lastEmittedAt = Number.NaN;
let lastEmittedAtMicros = 0n;
function emittedAtMicros(emittedAt: number): bigint {
  if (emittedAt !== lastEmittedAt) {
    lastEmittedAt = emittedAt;
    lastEmittedAtMicros = BigInt(Math.trunc(emittedAt)) * 1000n;
  }
  return lastEmittedAtMicros;
}

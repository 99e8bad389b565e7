import { SystemError } from '../errors.js';

/**
 * A function giving a record's primary key as one string: the field's value for a one-field key,
 * the values' JSON for a composite one. A record without its key cannot be de-duplicated, so it is
 * an error rather than a record passed on.
 */
export function recordKeyOf(stream: string, primaryKey: readonly (readonly string[])[]): (record: Record<string, unknown>) => string {
  const fields = primaryKey.map((path) => {
    if (path.length !== 1 || path[0] === undefined) throw new SystemError(`Stream ${stream} declares a nested primary key ${JSON.stringify(path)}.`);
    return path[0];
  });
  const value = (record: Record<string, unknown>, field: string): string | number => {
    const v = record[field];
    if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) return v;
    throw new SystemError(`The API sent a ${stream} record without ${field}.`);
  };
  if (fields.length === 1) {
    const field = fields[0]!;
    return (record) => String(value(record, field));
  }
  return (record) => JSON.stringify(fields.map((field) => value(record, field)));
}

/** A function giving an ascending-cursor record's normalised timestamp. */
export function recordCursorOf(stream: string, field: string, keyOf: (record: Record<string, unknown>) => string): (record: Record<string, unknown>) => string {
  return (record) => {
    const value = record[field];
    if (typeof value !== 'string') throw new SystemError(`The API sent ${stream} record ${keyOf(record)} without ${field}.`);
    return value;
  };
}

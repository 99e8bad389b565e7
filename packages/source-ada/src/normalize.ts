import { normalizeTimestamp, SystemError } from '@ada-airbyte/core';

/** Top-level date-time fields of a stream's JSON schema. */
export function dateTimeFields(schema: Record<string, unknown>): string[] {
  const properties = (schema.properties ?? {}) as Record<string, { format?: string }>;
  return Object.entries(properties)
    .filter(([, p]) => p.format === 'date-time')
    .map(([name]) => name);
}

export interface RecordShape {
  stream: string;
  /** The primary key's field, to name a record in errors. */
  keyField: string;
  dateFields: readonly string[];
  /** Fields where Ada writes the string "None" for no value. */
  noneFields: readonly string[];
}

/**
 * Rewrites a page's records in place so that every date-time is RFC 3339 UTC ending in `Z` with
 * Ada's fractional digits kept, and Ada's literal "None" becomes null where it means "no value".
 * Unknown fields pass through untouched. Throws on a record that is not an object.
 */
export function normalizeRecords(records: unknown[], shape: RecordShape): Record<string, unknown>[] {
  for (const record of records) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new SystemError(`Ada sent a ${shape.stream} record that is not an object.`);
    normalizeRecord(record as Record<string, unknown>, shape);
  }
  return records as Record<string, unknown>[];
}

function normalizeRecord(record: Record<string, unknown>, shape: RecordShape): void {
  for (const field of shape.dateFields) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    const normalized = normalizeTimestamp(value);
    if (normalized === undefined) {
      throw new SystemError(
        `Ada sent ${shape.stream} record ${String(record[shape.keyField])} with ${field} ${JSON.stringify(value)}, which is not a timestamp.`,
      );
    }
    record[field] = normalized;
  }
  for (const field of shape.noneFields) {
    if (record[field] === 'None') record[field] = null;
  }
}

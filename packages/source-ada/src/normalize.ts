import { normalizeTimestamp, SystemError } from '@ada-airbyte/core';

/** Top-level date-time fields of a stream's JSON schema. */
export function dateTimeFields(schema: Record<string, unknown>): string[] {
  const properties = (schema.properties ?? {}) as Record<string, { format?: string }>;
  return Object.entries(properties)
    .filter(([, p]) => p.format === 'date-time')
    .map(([name]) => name);
}

/**
 * Rewrites a record in place so that every date-time is RFC 3339 UTC ending in `Z` with Ada's
 * fractional digits kept, and Ada's literal "None" becomes null where it means "no value".
 * Unknown fields pass through untouched.
 */
export function normalizeRecord(
  record: Record<string, unknown>,
  stream: string,
  dateFields: readonly string[],
  noneFields: readonly string[],
): void {
  for (const field of dateFields) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    const normalized = normalizeTimestamp(value);
    if (normalized === undefined) {
      throw new SystemError(`Ada sent ${stream} record ${String(record._id)} with ${field} ${JSON.stringify(value)}, which is not a timestamp.`);
    }
    record[field] = normalized;
  }
  for (const field of noneFields) {
    if (record[field] === 'None') record[field] = null;
  }
}

/**
 * The audit log's opaque cursor: base64 of the keyset position (the last event served) plus the
 * window and page size it was issued for, so that a request which changes any of them mid-walk
 * can be refused (ada-api.md §9.8). Standard base64 with `+`, `/` and `=`: a client that pastes it
 * into a query string without encoding it corrupts it, as it would against Ada.
 */
export interface AuditCursor {
  /** Timestamp (µs) and id of the last event of the previous page. */
  afterUs: number;
  afterId: string;
  startUs: number;
  endUs: number;
  limit: number;
}

const VERSION = 1;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify({ v: VERSION, t: c.afterUs, i: c.afterId, s: c.startUs, e: c.endUs, l: c.limit })).toString('base64');
}

/** null for anything this mock did not issue: bad base64, bad JSON, missing or mistyped fields. */
export function decodeCursor(text: string): AuditCursor | null {
  if (!BASE64.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { v, t, i, s, e, l } = raw as Record<string, unknown>;
  const integers = [t, s, e, l].every((n) => Number.isSafeInteger(n));
  if (v !== VERSION || !integers || typeof i !== 'string' || !UUID.test(i)) return null;
  const limit = l as number;
  if (limit < 1 || limit > 1000) return null;
  return { afterUs: t as number, afterId: i, startUs: s as number, endUs: e as number, limit };
}

import { parseLimit } from '../lists/paging.js';
import { invalid, type Failure, repeated } from '../outcome.js';
import { formatMillisOffset, msToUs, parseRfc3339Us, US_PER_DAY } from '../time.js';
import { type AuditCursor, decodeCursor } from './cursor.js';

export const MAX_WINDOW_DAYS = 30;
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 50;

export interface AuditQuery {
  startUs: number;
  endUs: number;
  limit: number;
  after: { us: number; id: string } | null;
  /** As received, for the next link. */
  startRaw: string;
  /** As received, or the resolved default (the request time), for the next link. */
  endRaw: string;
}

function dateError(name: string, raw: string): Failure {
  // A `+` sent raw in a query string arrives as a space: say so, since that is the usual cause.
  const plus = /\s\d{2}:\d{2}$/.test(raw) ? ' (a "+" in a query string must be sent as %2B)' : '';
  return invalid(name, `${name} must be an RFC 3339 date-time with a time zone (Z or ±hh:mm), got ${JSON.stringify(raw)}${plus}`);
}

/** Is a cursor being replayed against the window and page size it was issued for? */
function drift(cursor: AuditCursor, startUs: number, endUs: number, limitGiven: number | null): Failure | null {
  const changed = (name: string): Failure =>
    invalid(name, `${name} differs from the request that issued this cursor; follow meta.next_page_url unchanged`);
  if (cursor.startUs !== startUs) return changed('start_date');
  if (cursor.endUs !== endUs) return changed('end_date');
  if (limitGiven !== null && cursor.limit !== limitGiven) return changed('limit');
  return null;
}

/**
 * Validates an audit-log request (ada-api.md §9.8): `start_date` required, both bounds inclusive
 * and zoned, `end_date` defaulting to the request time, a window of at most 30 days, `limit`
 * 1–1000 (default 50), and a cursor that only works with the window it came from.
 */
export function parseAuditQuery(search: URLSearchParams, nowMs: number): AuditQuery | Failure {
  const twice = repeated(search, ['start_date', 'end_date', 'limit', 'cursor']);
  if (twice !== null) return twice;
  const startRaw = search.get('start_date');
  if (startRaw === null) return invalid('start_date', 'start_date is required');
  const startUs = parseRfc3339Us(startRaw);
  if (startUs === null) return dateError('start_date', startRaw);
  const endGiven = search.get('end_date');
  const endUs = endGiven === null ? msToUs(Math.floor(nowMs)) : parseRfc3339Us(endGiven);
  if (endUs === null) return dateError('end_date', endGiven ?? '');
  if (endUs < startUs) return invalid('end_date', 'end_date must not be earlier than start_date');
  if (endUs - startUs > MAX_WINDOW_DAYS * US_PER_DAY) {
    return invalid('end_date', `the window from start_date to end_date must not exceed ${MAX_WINDOW_DAYS} days`);
  }
  let limitGiven: number | null = null;
  if (search.has('limit')) {
    const limit = parseLimit(search, 1, MAX_LIMIT, DEFAULT_LIMIT);
    if (typeof limit !== 'number') return limit;
    limitGiven = limit;
  }
  const endRaw = endGiven ?? formatMillisOffset(endUs);
  const cursorRaw = search.get('cursor');
  if (cursorRaw === null) return { startUs, endUs, limit: limitGiven ?? DEFAULT_LIMIT, after: null, startRaw, endRaw };
  const cursor = decodeCursor(cursorRaw);
  if (cursor === null) return invalid('cursor', 'cursor is not one this API issued; take it from meta.next_page_url', 'invalid_cursor');
  const drifted = drift(cursor, startUs, endUs, limitGiven);
  if (drifted !== null) return drifted;
  return { startUs, endUs, limit: cursor.limit, after: { us: cursor.afterUs, id: cursor.afterId }, startRaw, endRaw };
}

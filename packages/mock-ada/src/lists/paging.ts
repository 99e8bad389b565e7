import { invalid, type Failure, type RequestContext, repeated } from '../outcome.js';
import { asciiJson } from '../json.js';
import { compareKeys, type ListTable } from './table.js';

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 100;

/** An integer from `min` to `max` written plainly (no sign, fraction or exponent), else a 400. */
export function parseLimit(search: URLSearchParams, min: number, max: number, fallback: number): number | Failure {
  const raw = search.get('limit');
  if (raw === null) return fallback;
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) return invalid('limit', `limit must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export interface CursorPage<R> {
  rows: R[];
  /** Key of the next page's first row, or null on the last page. */
  nextKey: string | null;
}

/**
 * One page of an id-cursor list (ada-api.md §9.1, mock choices §9.10): `cursor` is the key of the
 * page's first row, inclusive. A cursor naming no current row of the stream is a 400
 * `invalid_cursor`, which is how a client learns that a saved position is gone. `rows` are the
 * rows matching the request's filters, in key order; the cursor may name a row outside them.
 */
export function cursorPage<R extends object>(table: ListTable<R>, rows: readonly R[], search: URLSearchParams): CursorPage<R> | Failure {
  const twice = repeated(search, ['cursor', 'limit']);
  if (twice !== null) return twice;
  const limit = parseLimit(search, 1, MAX_LIMIT, DEFAULT_LIMIT);
  if (typeof limit !== 'number') return limit;
  const cursor = search.get('cursor');
  let start = 0;
  if (cursor !== null) {
    if (table.indexOf(cursor) < 0) {
      return invalid('cursor', `cursor ${JSON.stringify(cursor)} does not name a record of this list (it may have been deleted)`, 'invalid_cursor');
    }
    start = lowerBound(rows, (row) => compareKeys(table.keyOf(row), cursor) < 0);
  }
  const next = rows[start + limit];
  return { rows: rows.slice(start, start + limit), nextKey: next === undefined ? null : table.keyOf(next) };
}

function lowerBound<R>(rows: readonly R[], before: (row: R) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(rows[mid] as R)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function encodeComponent(value: string): string {
  // Colons are legal in a query; leaving them readable makes the links easier to eyeball.
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

export function absoluteUrl(ctx: RequestContext, pairs: ReadonlyArray<readonly [string, string]>): string {
  return `${ctx.origin}${ctx.path}?${pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')}`;
}

/** The request again, every parameter kept in place, with `cursor` set (or appended) to the next page's first key. */
export function nextPageUrl(ctx: RequestContext, nextKey: string): string {
  const pairs: Array<[string, string]> = [...ctx.search.entries()].map(([k, v]) => [k, k === 'cursor' ? nextKey : v]);
  if (!ctx.search.has('cursor')) pairs.push(['cursor', nextKey]);
  return absoluteUrl(ctx, pairs);
}

/**
 * How a list ends: most write `"next_page_url": null`; the end-users list declares a plain string
 * and leaves the key out of `meta` instead; unpaginated knowledge sources send no `meta` at all.
 */
export type LastPage = 'null' | 'omit-key' | 'no-meta';

export function listJson(rows: readonly object[], next: string | null, last: LastPage): string {
  const data = rows.map((row) => asciiJson(row)).join(',');
  if (last === 'no-meta') return `{"data":[${data}]}`;
  const meta = next === null && last === 'omit-key' ? '{}' : `{"next_page_url":${JSON.stringify(next)}}`;
  return `{"data":[${data}],"meta":${meta}}`;
}

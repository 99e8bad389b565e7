import { earliestQueryableUs, formatQueryTimestamp, parseQueryTimestamp, US_PER_DAY } from './time.js';

export type Endpoint = 'conversations' | 'messages';
export type Cursor = 'created' | 'updated';

export const MIN_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_PAGE_SIZE = 10_000;
export const DEFAULT_WINDOW_DAYS = 7;
export const MAX_WINDOW_DAYS = 60;

export interface ExportQuery {
  endpoint: Endpoint;
  cursor: Cursor;
  sinceUs: number;
  toUs: number;
  /** False when `*_to` was left out and the 7-day default applies. */
  toGiven: boolean;
  pageSize: number;
  conversationId: string | null;
  /** The query string as received, in order, for echoing into next_page_uri. */
  params: Array<[string, string]>;
}

export interface QueryError {
  param: string | null;
  message: string;
}

const KNOWN: Record<Endpoint, readonly string[]> = {
  conversations: ['created_since', 'created_to', 'updated_since', 'updated_to', 'page_size'],
  messages: ['created_since', 'created_to', 'conversation_id', 'page_size'],
};

function fail(param: string | null, message: string): { ok: false; error: QueryError } {
  return { ok: false, error: { param, message } };
}

/**
 * Validates an export query the strict way (see ada-api.md §7 items 6 and 7): anything the docs
 * leave undefined is a 400 naming the parameter rather than a silent clamp, because a connector
 * that relies on clamping would misbehave against the real API. Unknown parameters are ignored.
 */
export function parseExportQuery(
  endpoint: Endpoint,
  search: URLSearchParams,
  nowMs: number,
): { ok: true; query: ExportQuery } | { ok: false; error: QueryError } {
  const params = [...search.entries()];
  for (const name of [...KNOWN[endpoint], 'updated_since', 'updated_to']) {
    if (search.getAll(name).length > 1) return fail(name, `${name} must be given at most once`);
  }
  if (endpoint === 'messages') {
    for (const name of ['updated_since', 'updated_to']) {
      if (search.has(name)) return fail(name, `${name} is not supported by the messages export; filter messages with created_since and created_to`);
    }
  }
  for (const cursor of ['created', 'updated'] as const) {
    if (search.has(`${cursor}_to`) && !search.has(`${cursor}_since`)) {
      return fail(`${cursor}_to`, `${cursor}_to requires ${cursor}_since`);
    }
  }
  const hasCreated = search.has('created_since');
  const hasUpdated = search.has('updated_since');
  if (hasCreated && hasUpdated) return fail('created_since', 'created_since and updated_since are mutually exclusive; send exactly one of them');
  if (!hasCreated && !hasUpdated) {
    return endpoint === 'messages'
      ? fail('created_since', 'created_since is required')
      : fail(null, 'exactly one of created_since or updated_since is required');
  }
  const cursor: Cursor = hasCreated ? 'created' : 'updated';
  const sinceName = `${cursor}_since`;
  const toName = `${cursor}_to`;

  const sinceRaw = search.get(sinceName) ?? '';
  const sinceUs = parseQueryTimestamp(sinceRaw);
  if (sinceUs === null) return fail(sinceName, `${sinceName} must be a UTC timestamp formatted YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(sinceRaw)}`);
  const toRaw = search.get(toName);
  let toUs = sinceUs + DEFAULT_WINDOW_DAYS * US_PER_DAY;
  if (toRaw !== null) {
    const parsed = parseQueryTimestamp(toRaw);
    if (parsed === null) return fail(toName, `${toName} must be a UTC timestamp formatted YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(toRaw)}`);
    toUs = parsed;
  }
  if (toUs <= sinceUs) return fail(toName, `${toName} must be later than ${sinceName}`);
  if (toUs - sinceUs > MAX_WINDOW_DAYS * US_PER_DAY) {
    return fail(toName, `the range from ${sinceName} to ${toName} must not exceed ${MAX_WINDOW_DAYS} days`);
  }
  const earliest = earliestQueryableUs(nowMs);
  if (sinceUs < earliest) {
    return fail(sinceName, `${sinceName} must be within the last 12 months (earliest allowed: ${formatQueryTimestamp(earliest)})`);
  }

  let pageSize = DEFAULT_PAGE_SIZE;
  const pageSizeRaw = search.get('page_size');
  if (pageSizeRaw !== null) {
    pageSize = /^\d{1,6}$/.test(pageSizeRaw) ? Number(pageSizeRaw) : Number.NaN;
    if (!(pageSize >= MIN_PAGE_SIZE && pageSize <= MAX_PAGE_SIZE)) {
      return fail('page_size', `page_size must be an integer from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}, got ${JSON.stringify(pageSizeRaw)}`);
    }
  }

  let conversationId: string | null = null;
  if (endpoint === 'messages' && search.has('conversation_id')) {
    conversationId = search.get('conversation_id') ?? '';
    if (conversationId === '') return fail('conversation_id', 'conversation_id must not be empty');
  }

  return { ok: true, query: { endpoint, cursor, sinceUs, toUs, toGiven: toRaw !== null, pageSize, conversationId, params } };
}

function encodeComponent(value: string): string {
  // Colons are legal in a query; leaving them readable makes the links easier to eyeball.
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

/**
 * The next link repeats the request with `*_since` moved to the last record's second (floored).
 * A `*_to` that was defaulted is written out, so that following the links walks exactly the
 * window of the first request instead of sliding a fresh 7-day default forward on every page.
 */
export function nextPageUri(origin: string, path: string, query: ExportQuery, lastTimestampUs: number): string {
  const sinceName = `${query.cursor}_since`;
  const toName = `${query.cursor}_to`;
  const pairs: Array<[string, string]> = query.params.map(([k, v]) => [k, k === sinceName ? formatQueryTimestamp(lastTimestampUs) : v]);
  if (!query.toGiven) {
    const at = pairs.findIndex(([k]) => k === sinceName);
    pairs.splice(at + 1, 0, [toName, formatQueryTimestamp(query.toUs)]);
  }
  return `${origin}${path}?${pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')}`;
}

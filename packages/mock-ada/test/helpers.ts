import { afterEach } from 'vitest';
import { type ConversationRecord, type MessageRecord, type MockAda, type MockAdaOptions, startMockAda } from '../src/index.js';

/** A whole second, so that "now minus one year" is a whole second too. */
export const NOW = Date.parse('2026-03-01T10:00:00Z');
export const DAY_MS = 86_400_000;

const started: MockAda[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

/** A mock on a frozen clock without rate limits, closed after the test. */
export async function start(opts: MockAdaOptions = {}): Promise<MockAda> {
  const mock = await startMockAda({ now: () => NOW, rateLimits: false, ...opts });
  started.push(mock);
  return mock;
}

export interface ErrorBody {
  errors: Array<{ type: string; message: string; details: string | null }>;
}

export interface PageBody<T = Record<string, unknown>> {
  data: T[];
  meta: { next_page_uri: string | null };
}

export function get(mock: MockAda, pathOrUrl: string, headers: Record<string, string> = { authorization: `Bearer ${mock.apiKey}` }): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${mock.url}${pathOrUrl}`;
  return fetch(url, { headers });
}

export async function getJson<T>(mock: MockAda, pathOrUrl: string): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await get(mock, pathOrUrl);
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

export function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Microseconds since the epoch of a naive, `+00:00` or `Z` timestamp with 0 or 6 fractional digits. */
export function micros(ts: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{6}))?(?:\+00:00|Z)?$/.exec(ts);
  if (!m?.[1]) throw new Error(`unexpected timestamp ${ts}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(m[2] ?? 0);
}

export function floorToSecondMs(ts: string): number {
  return Math.floor(micros(ts) / 1_000_000) * 1000;
}

export interface Walk<T> {
  pages: Array<PageBody<T>>;
  records: T[];
}

/**
 * Follows next_page_uri to the end, as a careful client would: it fails loudly instead of
 * looping when a page points at itself (more same-second records than page_size).
 */
export async function walk<T = Record<string, unknown>>(mock: MockAda, first: string, maxPages = 10_000): Promise<Walk<T>> {
  const pages: Array<PageBody<T>> = [];
  let url: string | null = first;
  while (url !== null) {
    const res: { status: number; body: PageBody<T> } = await getJson<PageBody<T>>(mock, url);
    if (res.status !== 200) throw new Error(`GET ${url} -> ${res.status} ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    const next: string | null = res.body.meta.next_page_uri;
    if (next !== null && new URL(next, mock.url).href === new URL(url, mock.url).href) throw new Error(`page loops on itself: ${next}`);
    if (pages.length > maxPages) throw new Error('too many pages');
    url = next;
  }
  return { pages, records: pages.flatMap((p) => p.data) };
}

/** Consecutive `[since, to)` windows of at most `days` days covering `[fromMs, toMs)`. */
export function windows(fromMs: number, toMs: number, days: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let since = fromMs; since < toMs; since += days * DAY_MS) out.push([iso(since), iso(Math.min(since + days * DAY_MS, toMs))]);
  return out;
}

/** Now minus one calendar year, for NOW (not a leap day). */
export const EARLIEST_MS = Date.parse('2025-03-01T10:00:00Z');

export function conversationsOf(mock: MockAda): ConversationRecord[] {
  return mock.records('conversations') as ConversationRecord[];
}

export function messagesOf(mock: MockAda): MessageRecord[] {
  return mock.records('messages') as MessageRecord[];
}

/** The envelope of Ada's non-export lists: `next_page_url` (with an L), and on some lists no meta at all. */
export interface ListBody<T = Record<string, unknown>> {
  data: T[];
  meta?: { next_page_url?: string | null };
}

/** Paths of the non-export lists, as Ada's reference writes them (with the trailing slash). */
export const LIST_PATHS = {
  knowledge_articles: '/api/v2/knowledge/articles/',
  knowledge_sources: '/api/v2/knowledge/sources/',
  knowledge_tags: '/api/v2/knowledge/tags/',
  end_users: '/api/v2/end-users/',
  platform_integrations: '/api/v2/platform-integrations/',
  audit_log_events: '/api/v2/analytics/audit-log/events/',
  webhooks: '/api/v2/webhooks/',
  webhook_event_types: '/api/v2/webhooks/event-types/',
  channels: '/api/v2/channels/',
  variables: '/api/v2/variables/',
  custom_instructions: '/api/v2/custom-instructions/',
  playbooks: '/api/v2/playbooks/',
} as const;

/** Follows meta.next_page_url to the end; a missing key, a missing meta and null all mean "last page". */
export async function walkList<T = Record<string, unknown>>(mock: MockAda, first: string, maxPages = 10_000): Promise<{ pages: Array<ListBody<T>>; records: T[] }> {
  const pages: Array<ListBody<T>> = [];
  let url: string | null = first;
  while (url !== null) {
    const res: { status: number; body: ListBody<T> } = await getJson<ListBody<T>>(mock, url);
    if (res.status !== 200) throw new Error(`GET ${url} -> ${res.status} ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    if (pages.length > maxPages) throw new Error('too many pages');
    url = res.body.meta?.next_page_url ?? null;
  }
  return { pages, records: pages.flatMap((p) => p.data) };
}

export function errorOf(body: unknown): { type: string; message: string; details: string | null } {
  const error = (body as ErrorBody).errors[0];
  if (error === undefined) throw new Error(`no error in ${JSON.stringify(body)}`);
  return error;
}

import { describe, expect, it } from 'vitest';
import type { ConversationRecord, MessageRecord } from '../src/index.js';
import {
  conversationsOf, DAY_MS, EARLIEST_MS, floorToSecondMs, getJson, iso, messagesOf, micros, NOW, type PageBody, start, walk, windows,
} from './helpers.js';

const C = '/api/v2/export/conversations';
const M = '/api/v2/export/messages';

type Rec = { _id: string };

function ts(record: Rec, field: string): string {
  const value = (record as unknown as Record<string, unknown>)[field];
  if (typeof value !== 'string') throw new Error(`${field} is not a string`);
  return value;
}

/** Expected API order: ascending (timestamp, _id). */
function apiOrder<T extends Rec>(records: T[], field: string): T[] {
  return [...records].sort((a, b) => micros(ts(a, field)) - micros(ts(b, field)) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
}

function inWindow<T extends Rec>(records: T[], field: string, sinceMs: number, toMs: number): T[] {
  return apiOrder(records.filter((r) => micros(ts(r, field)) >= sinceMs * 1000 && micros(ts(r, field)) < toMs * 1000), field);
}

function dedupe<T extends Rec>(records: T[]): T[] {
  const seen = new Set<string>();
  return records.filter((r) => (seen.has(r._id) ? false : (seen.add(r._id), true)));
}

/** Tie clusters: timestamps shared by more than `min` records, largest first. */
function clusters<T extends Rec>(records: T[], field: string, min: number): Array<{ ts: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(ts(r, field), (counts.get(ts(r, field)) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > min).map(([t, count]) => ({ ts: t, count })).sort((a, b) => b.count - a.count);
}

describe('window bounds and order', () => {
  it('returns exactly the records with since <= ts < to, in (ts, _id) order, for every cursor', async () => {
    const mock = await start();
    const conversations = mock.records('conversations') as Rec[];
    const messages = mock.records('messages') as Rec[];
    const since = Date.parse('2026-01-10T00:00:00Z');
    const to = Date.parse('2026-01-30T12:00:00Z');
    for (const [path, cursor, records, field] of [
      [C, 'updated', conversations, 'date_updated'],
      [C, 'created', conversations, 'date_created'],
      [M, 'created', messages, 'date_created'],
    ] as const) {
      const got = await walk<Rec>(mock, `${path}?${cursor}_since=${iso(since)}&${cursor}_to=${iso(to)}&page_size=10000`);
      expect(got.pages).toHaveLength(1);
      const expected = inWindow(records, field, since, to);
      expect(expected.length).toBeGreaterThan(50);
      expect(got.records.map((r) => r._id)).toEqual(expected.map((r) => r._id));
    }
  });

  it('includes a record stamped exactly at since and excludes one stamped exactly at to', async () => {
    const mock = await start({ conversations: 2000 });
    const conversations = conversationsOf(mock);
    // Whole-second records exist precisely so that bounds can land on them.
    const exact = conversations.find((c) => !c.date_updated.includes('.') && micros(c.date_updated) > (EARLIEST_MS + DAY_MS) * 1000);
    if (exact === undefined) throw new Error('expected some whole-second date_updated');
    const at = floorToSecondMs(exact.date_updated);
    const from = await getJson<PageBody<ConversationRecord>>(mock, `${C}?updated_since=${iso(at)}&updated_to=${iso(at + 1000)}&page_size=10000`);
    expect(from.body.data.map((c) => c._id)).toContain(exact._id);
    const until = await getJson<PageBody<ConversationRecord>>(mock, `${C}?updated_since=${iso(at - DAY_MS)}&updated_to=${iso(at)}&page_size=10000`);
    expect(until.body.data.map((c) => c._id)).not.toContain(exact._id);
    expect(until.body.data.every((c) => micros(c.date_updated) < at * 1000)).toBe(true);
  });

  it('silently limits a window without *_to to 7 days, and spells that bound out in the next link', async () => {
    const mock = await start({ conversations: 3000 });
    const messages = mock.records('messages') as Rec[];
    const since = Date.parse('2026-01-05T00:00:00Z');
    const first = await getJson<PageBody<Rec>>(mock, `${M}?created_since=${iso(since)}&page_size=100`);
    const next = first.body.meta.next_page_uri;
    expect(next).not.toBeNull();
    expect(new URL(next ?? '').searchParams.get('created_to')).toBe(iso(since + 7 * DAY_MS));
    const all = await walk<Rec>(mock, `${M}?created_since=${iso(since)}&page_size=100`);
    const expected = inWindow(messages, 'date_created', since, since + 7 * DAY_MS);
    expect(inWindow(messages, 'date_created', since + 7 * DAY_MS, since + 8 * DAY_MS).length).toBeGreaterThan(0);
    expect(dedupe(all.records).map((r) => r._id)).toEqual(expected.map((r) => r._id));
  });
});

describe('next_page_uri', () => {
  it('is an absolute link on the mock that repeats every parameter and moves *_since to the last record, floored to the second', async () => {
    const mock = await start();
    const query = 'updated_since=2026-01-01T00:00:00Z&updated_to=2026-02-15T00:00:00Z&page_size=100&foo=bar';
    const page = await getJson<PageBody<ConversationRecord>>(mock, `${C}?${query}`);
    expect(page.body.data).toHaveLength(100);
    const next = page.body.meta.next_page_uri;
    if (next === null) throw new Error('expected a next page');
    const url = new URL(next);
    expect(url.origin).toBe(mock.url);
    expect(url.pathname).toBe(C);
    const last = page.body.data[99];
    if (last === undefined) throw new Error('no last record');
    expect([...url.searchParams]).toEqual([
      ['updated_since', iso(floorToSecondMs(last.date_updated))],
      ['updated_to', '2026-02-15T00:00:00Z'],
      ['page_size', '100'],
      ['foo', 'bar'],
    ]);
    // Colons stay readable; the link is used verbatim by clients.
    expect(next).toContain(`updated_since=${iso(floorToSecondMs(last.date_updated))}&`);
  });

  it('repeats conversation_id and created_to for messages', async () => {
    const mock = await start({ conversations: 40, messagesPerConversation: 150 });
    const messages = messagesOf(mock);
    const conversation = conversationsOf(mock).find((c) =>
      micros(c.date_created) > Date.parse('2026-01-01T00:00:00Z') * 1000 && messages.filter((m) => m.conversation_id === c._id).length > 150);
    if (conversation === undefined) throw new Error('no conversation');
    const since = floorToSecondMs(conversation.date_created);
    const url = `${M}?created_since=${iso(since)}&created_to=${iso(since + 50 * DAY_MS)}&conversation_id=${conversation._id}&page_size=100`;
    const got = await walk<MessageRecord>(mock, url);
    const expected = messages.filter((m) => m.conversation_id === conversation._id);
    expect(got.pages.length).toBeGreaterThan(1);
    for (const page of got.pages.slice(0, -1)) {
      const next = new URL(page.meta.next_page_uri ?? '');
      expect(next.searchParams.get('conversation_id')).toBe(conversation._id);
      expect(next.searchParams.get('created_to')).toBe(iso(since + 50 * DAY_MS));
      expect(next.searchParams.get('page_size')).toBe('100');
    }
    expect(got.pages.at(-1)?.meta.next_page_uri).toBeNull();
    expect(dedupe(got.records).map((m) => m._id)).toEqual(apiOrder(expected as unknown as Rec[], 'date_created').map((m) => m._id));
  });

  it('is null on the last page, decided by the data and not by a short page', async () => {
    const mock = await start();
    const conversations = mock.records('conversations') as Rec[];
    const since = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-02-20T00:00:00Z');
    const n = inWindow(conversations, 'date_updated', since, to).length;
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(10000);
    const exact = await getJson<PageBody<Rec>>(mock, `${C}?updated_since=${iso(since)}&updated_to=${iso(to)}&page_size=${Math.max(100, n)}`);
    expect(exact.body.data).toHaveLength(n);
    expect(exact.body.meta.next_page_uri).toBeNull();
    const empty = await getJson<PageBody<Rec>>(mock, `${C}?updated_since=2026-03-01T10:00:00Z&updated_to=2026-03-05T00:00:00Z`);
    expect(empty.body).toEqual({ data: [], meta: { next_page_uri: null } });
  });
});

describe('tie groups', () => {
  it('creates clusters of more than 100 and fewer than 10000 records sharing one exact timestamp, for every cursor', async () => {
    const mock = await start();
    const conversations = mock.records('conversations') as Rec[];
    const messages = mock.records('messages') as Rec[];
    for (const [records, field] of [[conversations, 'date_updated'], [conversations, 'date_created'], [messages, 'date_created']] as const) {
      const big = clusters(records, field, 100);
      expect(big.length, field).toBeGreaterThanOrEqual(2);
      for (const c of big) expect(c.count).toBeLessThan(10000);
    }
  });

  it('makes as many clusters as tieGroups asks for, and none when it is 0', async () => {
    const none = await start({ conversations: 2000, tieGroups: 0 });
    expect(clusters(none.records('messages') as Rec[], 'date_created', 3)).toEqual([]);
    expect(clusters(none.records('conversations') as Rec[], 'date_updated', 3)).toEqual([]);
    const four = await start({ conversations: 2000, tieGroups: 4 });
    expect(clusters(four.records('messages') as Rec[], 'date_created', 100).length).toBeGreaterThanOrEqual(4);
    expect(clusters(four.records('conversations') as Rec[], 'date_created', 100).length).toBeGreaterThanOrEqual(4);
  });

  it('repeats records when a page ends inside a tie group, and a deduping client still gets everything once', async () => {
    const mock = await start();
    const conversations = apiOrder(conversationsOf(mock), 'date_updated');
    const startOf = (t: string): number => conversations.findIndex((c) => c.date_updated === t);
    // A cluster with at least 30 records before it, so that the first page can start before it.
    const cluster = clusters(conversations, 'date_updated', 100).find((c) => startOf(c.ts) >= 30);
    if (cluster === undefined) throw new Error('no tie group');
    const before = conversations[startOf(cluster.ts) - 30];
    if (before === undefined) throw new Error('unreachable');
    const since = floorToSecondMs(ts(before, 'date_updated'));
    const lead = conversations.filter((c) => micros(ts(c, 'date_updated')) >= since * 1000 && micros(ts(c, 'date_updated')) < micros(cluster.ts)).length;
    // The first page holds the lead and all but 20 of the cluster, so it ends inside the cluster.
    const pageSize = lead + cluster.count - 20;
    const to = floorToSecondMs(cluster.ts) + 7 * DAY_MS;
    const got = await walk<ConversationRecord>(mock, `${C}?updated_since=${iso(since)}&updated_to=${iso(to)}&page_size=${pageSize}`);
    const page1 = got.pages[0]?.data ?? [];
    const page2 = got.pages[1]?.data ?? [];
    expect(page1.at(-1)?.date_updated).toBe(cluster.ts);
    expect(new URL(got.pages[0]?.meta.next_page_uri ?? '').searchParams.get('updated_since')).toBe(iso(floorToSecondMs(cluster.ts)));
    const repeated = page2.filter((r) => page1.some((p) => p._id === r._id));
    expect(repeated.length).toBeGreaterThanOrEqual(cluster.count - 20);
    expect(got.records.length).toBeGreaterThan(dedupe(got.records).length);
    expect(dedupe(got.records).map((r) => r._id)).toEqual(inWindow(conversations, 'date_updated', since, to).map((r) => r._id));
  });

  it('serves an identical next page when more than page_size records share one second (the API loops)', async () => {
    const mock = await start();
    const messages = mock.records('messages') as Rec[];
    const cluster = clusters(messages, 'date_created', 100)[0];
    if (cluster === undefined) throw new Error('no tie group');
    const since = iso(floorToSecondMs(cluster.ts));
    const url = `${M}?created_since=${since}&created_to=${iso(floorToSecondMs(cluster.ts) + DAY_MS)}&page_size=100`;
    const first = await getJson<PageBody<Rec>>(mock, url);
    expect(first.body.meta.next_page_uri).toBe(`${mock.url}${url}`);
    const again = await getJson<PageBody<Rec>>(mock, first.body.meta.next_page_uri ?? '');
    expect(again.body).toEqual(first.body);
    await expect(walk(mock, url)).rejects.toThrow(/loops on itself/);
  });
});

describe('walking the whole history', () => {
  it('returns exactly ids() over consecutive 60-day windows from the 12-month limit to now', async () => {
    const mock = await start({ conversations: 800 });
    const end = NOW + 1000;
    for (const [path, cursor, stream] of [[C, 'updated', 'conversations'], [M, 'created', 'messages']] as const) {
      const seen: string[] = [];
      for (const [since, to] of windows(EARLIEST_MS, end, 60)) {
        const got = await walk<Rec>(mock, `${path}?${cursor}_since=${since}&${cursor}_to=${to}&page_size=1000`);
        seen.push(...got.records.map((r) => r._id));
      }
      const unique = [...new Set(seen)];
      expect(unique).toEqual(mock.ids(stream));
      expect(unique.length).toBeGreaterThan(stream === 'conversations' ? 700 : 4000);
    }
  });

  it('keeps records older than 12 months out of reach although they exist', async () => {
    const mock = await start({ conversations: 1000, historyDays: 500 });
    const ids = mock.ids('conversations');
    // Roughly 365 of 500 days are queryable.
    expect(ids.length).toBeGreaterThan(600);
    expect(ids.length).toBeLessThan(850);
    const records = conversationsOf(mock);
    expect(records.map((c) => c._id)).toEqual(ids);
    expect(records.every((c) => micros(c.date_updated) >= EARLIEST_MS * 1000)).toBe(true);
    const created = messagesOf(mock);
    expect(created.every((m) => micros(m.date_created) >= EARLIEST_MS * 1000)).toBe(true);
    const first = await getJson<PageBody<Rec>>(mock, `${M}?created_since=${iso(EARLIEST_MS)}&created_to=${iso(EARLIEST_MS + DAY_MS)}&page_size=10000`);
    expect(first.status).toBe(200);
    expect(first.body.data.length).toBeGreaterThan(0);
  });
});

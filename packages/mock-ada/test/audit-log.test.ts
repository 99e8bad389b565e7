import { describe, expect, it } from 'vitest';
import type { AuditLogEventRecord, MockAda } from '../src/index.js';
import { DAY_MS, errorOf, getJson, type ListBody, NOW, start, walkList } from './helpers.js';

const PATH = '/api/v2/analytics/audit-log/events/';
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MS_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

/** An instant as the audit log writes it, percent-encoded for a query string. */
function at(ms: number): string {
  return encodeURIComponent(new Date(ms).toISOString().replace('Z', '+00:00'));
}

function eventsOf(mock: MockAda): AuditLogEventRecord[] {
  return mock.records('audit_log_events') as AuditLogEventRecord[];
}

/** Newest first, ties by id descending; both bounds inclusive. */
function expectedIn(mock: MockAda, fromMs: number, toMs: number): string[] {
  return eventsOf(mock)
    .filter((e) => Date.parse(e.timestamp) >= fromMs && Date.parse(e.timestamp) <= toMs)
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.id < b.id ? 1 : -1))
    .map((e) => e.id);
}

async function refusal(mock: MockAda, query: string): Promise<{ status: number; type: string; details: string | null; message: string }> {
  const res = await getJson<unknown>(mock, `${PATH}?${query}`);
  if (res.status === 200) return { status: 200, type: '', details: null, message: '' };
  return { status: res.status, ...errorOf(res.body) };
}

describe('audit log events', () => {
  it('serve a window newest first (ties by id descending), following links that carry the window and a cursor, never limit', async () => {
    const mock = await start();
    const from = NOW - 30 * DAY_MS;
    const walk = await walkList<AuditLogEventRecord>(mock, `${PATH}?start_date=${at(from)}&end_date=${at(NOW)}&limit=7`);
    const ids = walk.records.map((e) => e.id);
    expect(ids).toEqual(expectedIn(mock, from, NOW));
    expect(ids.length).toBeGreaterThan(50);
    expect(new Set(ids).size).toBe(ids.length);
    for (const page of walk.pages.slice(0, -1)) {
      const link = page.meta?.next_page_url ?? '';
      expect(link).not.toContain('+');
      const next = new URL(link);
      expect([...next.searchParams.keys()]).toEqual(['start_date', 'end_date', 'cursor']);
      expect(next.searchParams.get('start_date')).toBe(decodeURIComponent(at(from)));
      expect(Buffer.from(next.searchParams.get('cursor') ?? '', 'base64').length).toBeGreaterThan(10);
    }
    expect(walk.pages.at(-1)?.meta).toEqual({ next_page_url: null });
    for (const e of walk.records) {
      expect(e.id).toMatch(UUID4);
      expect(e.timestamp).toMatch(MS_OFFSET);
    }
  });

  it('a full read over adjacent 30-day windows yields exactly ids(), tie clusters included', async () => {
    const mock = await start({ historyDays: 200 });
    const got: string[] = [];
    let to = NOW;
    while (to > NOW - 210 * DAY_MS) {
      const from = to - 30 * DAY_MS;
      got.push(...(await walkList<AuditLogEventRecord>(mock, `${PATH}?start_date=${at(from)}&end_date=${at(to)}&limit=9`)).records.map((e) => e.id));
      to = from - 1;
    }
    expect(got).toEqual(mock.ids('audit_log_events'));
    const perMs = new Map<string, number>();
    for (const e of eventsOf(mock)) perMs.set(e.timestamp, (perMs.get(e.timestamp) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeGreaterThan(9);
  });

  it('default end_date to the request time and write the resolved value into the next link', async () => {
    const mock = await start();
    const first = await getJson<ListBody<AuditLogEventRecord>>(mock, `${PATH}?start_date=2026-02-10T00:00:00Z`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(50);
    const next = new URL(first.body.meta?.next_page_url ?? '');
    expect(next.searchParams.get('start_date')).toBe('2026-02-10T00:00:00Z');
    expect(next.searchParams.get('end_date')).toBe('2026-03-01T10:00:00.000+00:00');
    const rest = await walkList<AuditLogEventRecord>(mock, next.href);
    expect([...first.body.data, ...rest.records].map((e) => e.id)).toEqual(expectedIn(mock, Date.parse('2026-02-10T00:00:00Z'), NOW));
  });

  it('include events stamped exactly at start_date and at end_date', async () => {
    const mock = await start();
    const events = eventsOf(mock);
    const newer = events[10];
    const older = events[20];
    if (newer === undefined || older === undefined) throw new Error('too few events');
    const page = await getJson<ListBody<AuditLogEventRecord>>(mock, `${PATH}?start_date=${encodeURIComponent(older.timestamp)}&end_date=${encodeURIComponent(newer.timestamp)}&limit=1000`);
    const ids = page.body.data.map((e) => e.id);
    expect(ids).toContain(newer.id);
    expect(ids).toContain(older.id);
    expect(ids).toEqual(expectedIn(mock, Date.parse(older.timestamp), Date.parse(newer.timestamp)));
    // Any zone is accepted; the instant is what counts.
    const startZ = new Date(Date.parse(older.timestamp)).toISOString();
    const endMinus5 = `${new Date(Date.parse(newer.timestamp) - 5 * 3_600_000).toISOString().slice(0, 23)}-05:00`;
    const zoned = await getJson<ListBody<AuditLogEventRecord>>(mock, `${PATH}?start_date=${startZ}&end_date=${endMinus5}&limit=1000`);
    expect(zoned.body.data.map((e) => e.id)).toEqual(ids);
  });

  it('end a walk whose last page is full with a link to an empty page, whose link is null', async () => {
    const mock = await start();
    const from = NOW - 20 * DAY_MS;
    const total = expectedIn(mock, from, NOW).length;
    const first = await getJson<ListBody<AuditLogEventRecord>>(mock, `${PATH}?start_date=${at(from)}&end_date=${at(NOW)}&limit=${total}`);
    expect(first.body.data).toHaveLength(total);
    const empty = await getJson<ListBody<AuditLogEventRecord>>(mock, first.body.meta?.next_page_url ?? '');
    expect(empty.body).toEqual({ data: [], meta: { next_page_url: null } });
    const none = await getJson<ListBody>(mock, `${PATH}?start_date=2030-01-01T00:00:00Z&end_date=2030-01-02T00:00:00Z`);
    expect(none.body).toEqual({ data: [], meta: { next_page_url: null } });
  });

  it('see exactly the events added after the newest one a client stored, as the incremental recipe reads them', async () => {
    const clock = { t: NOW };
    const mock = await start({ now: () => clock.t });
    const newest = eventsOf(mock)[0];
    if (newest === undefined) throw new Error('no events');
    clock.t = NOW + 3_600_000;
    const { auditEvents, created } = mock.mutateLists({ auditEvents: 5 });
    expect(created).toEqual({});
    expect(auditEvents).toHaveLength(5);
    expect(mock.ids('audit_log_events').slice(0, 5)).toEqual(auditEvents);
    const since = Date.parse(newest.timestamp) + 1;
    const read = await walkList<AuditLogEventRecord>(mock, `${PATH}?start_date=${at(since)}&end_date=${at(clock.t)}&limit=2`);
    expect(read.records.map((e) => e.id)).toEqual(auditEvents);
    for (const e of read.records) expect(e.timestamp).toBe(new Date(clock.t).toISOString().replace('Z', '+00:00'));
  });
});

describe('audit log validation', () => {
  it.each([
    ['no start_date', 'end_date=2026-02-20T00:00:00Z', 'start_date', /start_date is required/],
    ['a naive start_date', 'start_date=2026-02-10T00:00:00', 'start_date', /RFC 3339 date-time with a time zone/],
    ['a naive end_date', 'start_date=2026-02-10T00:00:00Z&end_date=2026-02-11T00:00:00.000', 'end_date', /time zone/],
    ['a raw + (read as a space)', 'start_date=2026-02-10T00:00:00.000+00:00', 'start_date', /must be sent as %2B/],
    ['a date without a time', 'start_date=2026-02-10', 'start_date', /RFC 3339/],
    ['an impossible date', 'start_date=2026-02-30T00:00:00Z', 'start_date', /RFC 3339/],
    ['a space for the T', 'start_date=2026-02-10%2000:00:00Z', 'start_date', /RFC 3339/],
    ['an offset of 24 hours', 'start_date=2026-02-10T00:00:00%2B24:00', 'start_date', /RFC 3339/],
    ['end before start', 'start_date=2026-02-10T00:00:00Z&end_date=2026-02-09T23:59:59.999Z', 'end_date', /must not be earlier than start_date/],
    ['a window of 30 days and 1 ms', 'start_date=2026-01-01T00:00:00Z&end_date=2026-01-31T00:00:00.001Z', 'end_date', /must not exceed 30 days/],
    ['a defaulted end more than 30 days on', 'start_date=2026-01-15T00:00:00Z', 'end_date', /must not exceed 30 days/],
    ['limit 0', 'start_date=2026-02-10T00:00:00Z&limit=0', 'limit', /limit must be an integer from 1 to 1000/],
    ['limit 1001', 'start_date=2026-02-10T00:00:00Z&limit=1001', 'limit', /from 1 to 1000/],
    ['limit 2.5', 'start_date=2026-02-10T00:00:00Z&limit=2.5', 'limit', /from 1 to 1000/],
    ['limit abc', 'start_date=2026-02-10T00:00:00Z&limit=abc', 'limit', /from 1 to 1000/],
    ['a repeated start_date', 'start_date=2026-02-10T00:00:00Z&start_date=2026-02-11T00:00:00Z', 'start_date', /at most once/],
  ])('refuses %s with a 400 naming the parameter', async (_name, query, param, message) => {
    const mock = await start();
    expect(await refusal(mock, query)).toMatchObject({ status: 400, type: 'invalid_request', details: param, message: expect.stringMatching(message) });
  });

  it.each([
    'start_date=2026-01-01T00:00:00Z&end_date=2026-01-31T00:00:00Z',
    'start_date=2026-02-10T00:00:00%2B00:00&end_date=2026-02-11T00:00:00.123456-05:00',
    'start_date=2026-02-10T00:00:00.5Z&end_date=2026-02-10T00:00:00.5Z',
    'start_date=2026-02-10T05:30:00%2B05:30&limit=1000',
    'start_date=2026-02-10T00:00:00Z&limit=1&utm=x',
  ])('accepts %s', async (query) => {
    const mock = await start();
    expect((await refusal(mock, query)).status).toBe(200);
  });

  it('refuses a corrupt cursor with 400 invalid_cursor', async () => {
    const mock = await start();
    const window = 'start_date=2026-02-10T00:00:00Z&end_date=2026-02-20T00:00:00Z';
    const link = new URL((await getJson<ListBody>(mock, `${PATH}?${window}&limit=3`)).body.meta?.next_page_url ?? '');
    const cursor = link.searchParams.get('cursor') ?? '';
    const json = Buffer.from(cursor, 'base64').toString();
    const forged = [
      'not base64!', cursor.slice(0, -4), `${cursor}A`, Buffer.from('{"v":1}').toString('base64'), Buffer.from('[1,2]').toString('base64'),
      Buffer.from(json.replace('"l":3', '"l":0')).toString('base64'), Buffer.from(json.replace(/"i":"[^"]+"/, '"i":"x"')).toString('base64'), '',
    ];
    for (const bad of forged) {
      expect(await refusal(mock, `${window}&cursor=${encodeURIComponent(bad)}`), bad).toMatchObject({ status: 400, type: 'invalid_cursor', details: 'cursor' });
    }
    expect((await refusal(mock, `${window}&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });

  it('refuses a cursor replayed with a window or limit other than its own', async () => {
    const clock = { t: NOW };
    const mock = await start({ now: () => clock.t });
    const first = await getJson<ListBody>(mock, `${PATH}?start_date=2026-02-10T00:00:00Z&limit=3`);
    const link = new URL(first.body.meta?.next_page_url ?? '');
    const cursor = encodeURIComponent(link.searchParams.get('cursor') ?? '');
    const end = encodeURIComponent(link.searchParams.get('end_date') ?? '');
    clock.t = NOW + 1000;
    const cases: Array<[string, string | null]> = [
      [`start_date=2026-02-10T00:00:01Z&end_date=${end}&cursor=${cursor}`, 'start_date'],
      [`start_date=2026-02-10T00:00:00Z&end_date=2026-02-28T00:00:00Z&cursor=${cursor}`, 'end_date'],
      // Without end_date the default moves to the request time: the window drifted.
      [`start_date=2026-02-10T00:00:00Z&cursor=${cursor}`, 'end_date'],
      [`start_date=2026-02-10T00:00:00Z&end_date=${end}&cursor=${cursor}&limit=4`, 'limit'],
    ];
    for (const [query, param] of cases) {
      expect(await refusal(mock, query), query).toMatchObject({ status: 400, type: 'invalid_request', details: param, message: expect.stringMatching(/differs from the request that issued this cursor/) });
    }
    // The same instants in another notation, and the cursor's own limit repeated, are the same request.
    expect((await refusal(mock, `start_date=2026-02-10T01:00:00%2B01:00&end_date=${end}&cursor=${cursor}&limit=3`)).status).toBe(200);
  });

  it('answers 404 with the errors body when the Audit log API is not enabled', async () => {
    const mock = await start({ auditLog: false });
    const res = await getJson<unknown>(mock, `${PATH}?start_date=2026-02-10T00:00:00Z`);
    expect(res.status).toBe(404);
    expect(errorOf(res.body)).toEqual({ type: 'not_found', message: expect.stringMatching(/Audit log API is not enabled/), details: null });
    // Before the parameters, but after the key.
    expect((await getJson<unknown>(mock, PATH)).status).toBe(404);
    expect((await fetch(`${mock.url}${PATH}`)).status).toBe(401);
    expect(mock.stats().byEndpoint.audit_log_events).toBe(3);
  });
});

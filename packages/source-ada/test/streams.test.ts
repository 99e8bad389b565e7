import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastStates, statesOf, tracesOf, type ConnectorRun } from '@ada-airbyte/core/testing';
import { startMockAda, type MockAda } from '@ada-airbyte/mock-ada';
import { ALL_STREAMS, catalogOf, command, coveredKeys, expectValidProtocol, keysOf, mockConfig, read, sorted, startMock, startMockProcess } from './helpers.js';

const LISTS = Object.keys(ALL_STREAMS).filter((s) => ALL_STREAMS[s]!.cursor === undefined);

/** A config that keeps every default limit: pacing is what is under test. */
function defaultPacing(mock: Pick<MockAda, 'apiKey' | 'url'>): Record<string, unknown> {
  const { requests_per_second: _s, requests_per_minute: _m, requests_per_day: _d, ...config } = mockConfig(mock);
  return config;
}

function expectExactly(run: ConnectorRun, stream: string, expected: readonly string[]): void {
  const keys = keysOf(run, stream);
  expect(new Set(keys).size, `${stream}: a key was emitted twice`).toBe(keys.length);
  expect(sorted(keys), stream).toEqual(sorted(expected));
}

function statusesOf(run: ConnectorRun, stream: string): string[] {
  return tracesOf(run, 'STREAM_STATUS')
    .filter((t) => t.stream_status!.stream_descriptor.name === stream)
    .map((t) => t.stream_status!.status);
}

function warnings(run: ConnectorRun): string[] {
  return run.messages.filter((m) => m.type === 'LOG' && m.log!.level === 'WARN').map((m) => m.log!.message);
}

function untilNextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

describe('every read API', () => {
  let mock: MockAda;
  let run: ConnectorRun;
  beforeAll(async () => {
    mock = await startMock({ seed: 41, rateLimits: false, conversations: 300, messagesPerConversation: 3, historyDays: 60, articles: 130, auditEvents: 300 });
    run = await read({ config: mockConfig(mock, { page_size: 1000 }), catalog: catalogOf() });
  }, 120_000);
  afterAll(() => mock.close());

  it('discover lists all 14 streams with their sync modes, keys and cursors', async () => {
    const discovered = await command('discover', mockConfig(mock));
    expectValidProtocol(discovered);
    const streams = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog!.streams;
    expect(streams.map((s) => s.name)).toEqual(Object.keys(ALL_STREAMS));
    for (const s of streams) {
      const { key, cursor } = ALL_STREAMS[s.name]!;
      expect(s.source_defined_primary_key, s.name).toEqual([[key]]);
      expect(s.supported_sync_modes, s.name).toEqual(cursor ? ['full_refresh', 'incremental'] : ['full_refresh']);
      expect(s.default_cursor_field, s.name).toEqual(cursor ? [cursor] : undefined);
      expect(s.is_resumable, s.name).toBe(true);
      expect((s.json_schema as { additionalProperties?: unknown }).additionalProperties, s.name).toBe(true);
    }
  });

  it('a read of every stream loads each exact record set, without a single 400', () => {
    expectValidProtocol(run);
    expect(run.code).toBe(0);
    for (const stream of Object.keys(ALL_STREAMS)) {
      expectExactly(run, stream, mock.ids(stream as never));
      expect(statusesOf(run, stream), stream).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    }
    expect(mock.stats().status['400'] ?? 0).toBe(0);
    expect(tracesOf(run, 'ERROR')).toEqual([]);
  });

  it('passes every field through and writes every top-level date-time in UTC ending in Z', () => {
    for (const stream of LISTS) {
      const served = new Map((mock.records(stream as never) as Record<string, unknown>[]).map((r) => [String(r[ALL_STREAMS[stream]!.key]), r]));
      for (const m of run.messages.filter((m) => m.type === 'RECORD' && m.record!.stream === stream)) {
        const data = m.record!.data as Record<string, unknown>;
        const original = served.get(String(data[ALL_STREAMS[stream]!.key]))!;
        expect(Object.keys(data).sort(), stream).toEqual(Object.keys(original).sort());
        for (const [field, value] of Object.entries(original)) {
          if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(value)) {
            expect(data[field], `${stream}.${field}`).toMatch(/Z$/);
            expect(Date.parse(data[field] as string), `${stream}.${field}`).toBe(Date.parse(value));
          } else {
            expect(data[field], `${stream}.${field}`).toEqual(value);
          }
        }
      }
    }
  });

  it('checkpoints full refreshes by page and ends each with the complete marker', () => {
    for (const stream of LISTS) {
      const states = statesOf(run, stream).map((s) => s.stream!.stream_state as Record<string, unknown>);
      expect(states.at(-1), stream).toEqual({ __ab_full_refresh_sync_complete: true });
    }
    const endUsers = statesOf(run, 'end_users').map((s) => s.stream!.stream_state as Record<string, unknown>);
    expect(endUsers.length).toBeGreaterThan(2);
    expect(endUsers[0]).toEqual({ partition: 'all', next_page: expect.stringContaining('/api/v2/end-users/?') });
    const channels = statesOf(run, 'channels').map((s) => (s.stream!.stream_state as { partition?: string }).partition);
    expect(channels).toContain('type=native');
  });

  it('reads the audit log in windows of at most 30 days, one request per window when the pages are big enough', () => {
    // 12 months from the default start_date in ≤ 30-day windows: 13 of them, each one page of ≤ 1000 events.
    expect(mock.stats().byEndpoint.audit_log_events).toBe(13);
  });
});

describe('pacing', () => {
  it('a default read of every stream keeps to each API group\'s budget: every record, and not a single 429 or 400', async () => {
    // Ada's limits as the mock enforces them, per API group, on arrival; the mock has a process of its own.
    const mock = await startMockProcess({ seed: 47, conversations: 400, messagesPerConversation: 3, historyDays: 60, articles: 250, auditEvents: 300 });
    try {
      const run = await read({ config: defaultPacing(mock), catalog: catalogOf() });
      expectValidProtocol(run);
      expect(run.code).toBe(0);
      for (const stream of Object.keys(ALL_STREAMS)) expectExactly(run, stream, await mock.ids(stream));
      const stats = await mock.stats();
      const retried = run.messages.filter((m) => m.type === 'LOG' && m.log!.level === 'WARN').map((m) => m.log!.message);
      expect(stats.status['429'] ?? 0, retried.join('\n')).toBe(0);
      expect(stats.status['400'] ?? 0).toBe(0);
      // Every group was asked at once, so the budgets were tested: the audit log alone needs 13 windows.
      expect(stats.byEndpoint.audit_log_events).toBeGreaterThanOrEqual(13);
    } finally {
      await mock.close();
    }
  }, 120_000);
});

describe('full refresh resumes from a page position', () => {
  let mock: MockAda;
  beforeAll(async () => {
    mock = await startMock({ seed: 42, rateLimits: false, conversations: 900, messagesPerConversation: 1, historyDays: 30 });
  });
  afterAll(() => mock.close());

  it('after SIGKILL mid-stream: the covered records plus the resumed read hold each end user exactly once', async () => {
    const catalog = catalogOf(['end_users']);
    let states = 0;
    const killed = await read({ config: mockConfig(mock), catalog }, { onMessage: (m, child) => void (m.type === 'STATE' && ++states === 3 && child.kill('SIGKILL')) });
    expect(killed.signal).toBe('SIGKILL');
    const covered = coveredKeys(killed, 'end_users');
    // At least the three pages before the kill; lines the source wrote before the signal landed are read too.
    expect(covered.length).toBeGreaterThanOrEqual(300);
    expect(covered.length).toBeLessThan(900);
    expect(covered.length % 100).toBe(0);
    const resumed = await read({ config: mockConfig(mock), catalog, state: lastStates(killed) });
    expectValidProtocol(resumed);
    expect(resumed.code).toBe(0);
    const after = keysOf(resumed, 'end_users');
    expect(after.filter((k) => covered.includes(k))).toEqual([]);
    expect(sorted([...covered, ...after])).toEqual(sorted(mock.ids('end_users')));
  });

  it('starts the stream over with a warning when Ada refuses the saved cursor, losing nothing', async () => {
    const catalog = catalogOf(['end_users']);
    let states = 0;
    const killed = await read({ config: mockConfig(mock), catalog }, { onMessage: (m, child) => void (m.type === 'STATE' && ++states === 2 && child.kill('SIGKILL')) });
    const saved = lastStates(killed);
    const link = (saved[0]!.stream!.stream_state as { next_page: string }).next_page;
    const gone = new URL(link).searchParams.get('cursor')!;
    mock.mutateLists({ delete: [{ stream: 'end_users', ids: [gone] }] });
    mock.resetStats();
    const resumed = await read({ config: mockConfig(mock), catalog, state: saved });
    expectValidProtocol(resumed);
    expect(resumed.code).toBe(0);
    expect(warnings(resumed).some((w) => /end_users: the API no longer accepts the saved position in all \(.*HTTP 400.*\); reading it again from its start/.test(w))).toBe(true);
    expectExactly(resumed, 'end_users', mock.ids('end_users'));
    expect(mock.stats().status['400']).toBe(1);
  });
});

describe('the audit log', () => {
  it('reads incrementally: a second read from the last STATE emits exactly the new events', async () => {
    // The real clock: new events are stamped by the mock's clock, which must not lag the first read's end.
    const local = await startMockAda({ seed: 43, rateLimits: false, conversations: 10, historyDays: 60, auditEvents: 250 });
    await untilNextSecond();
    try {
      const catalog = catalogOf(['audit_log_events']);
      const first = await read({ config: mockConfig(local, { page_size: 100 }), catalog });
      expect(first.code).toBe(0);
      expectExactly(first, 'audit_log_events', local.ids('audit_log_events'));
      const added = local.mutateLists({ auditEvents: 5 }).auditEvents;
      await untilNextSecond();
      local.resetStats();
      const second = await read({ config: mockConfig(local, { page_size: 100 }), catalog, state: lastStates(first) });
      expectValidProtocol(second);
      expect(second.code).toBe(0);
      expectExactly(second, 'audit_log_events', added);
      // Only what came after the first read was asked for: one window, one page.
      expect(local.stats().byEndpoint.audit_log_events).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('its state moves only over finished windows, so a read killed mid-window resumes without a gap', async () => {
    const local = await startMock({ seed: 44, rateLimits: false, conversations: 10, historyDays: 200, auditEvents: 900 });
    try {
      const catalog = catalogOf(['audit_log_events']);
      const config = mockConfig(local, { page_size: 100, window_concurrency: 1 });
      let states = 0;
      const killed = await read({ config, catalog }, { onMessage: (m, child) => void (m.type === 'STATE' && ++states === 4 && child.kill('SIGKILL')) });
      const covered = coveredKeys(killed, 'audit_log_events');
      const resumed = await read({ config, catalog, state: lastStates(killed) });
      expect(resumed.code).toBe(0);
      const after = keysOf(resumed, 'audit_log_events');
      expect(after.filter((k) => covered.includes(k))).toEqual([]);
      expect(sorted([...covered, ...after])).toEqual(sorted(local.ids('audit_log_events')));
      for (const s of statesOf(killed, 'audit_log_events')) {
        const state = s.stream!.stream_state as { boundary_ids?: unknown; ahead?: Array<{ cursor: string; to: string }> };
        expect(state.boundary_ids).toBeUndefined();
        for (const w of state.ahead ?? []) expect(w.cursor).toBe(w.to);
      }
    } finally {
      await local.close();
    }
  });
});

describe('an API the account does not have', () => {
  it('skips the audit log (404) and a beta list (403) with a WARN and INCOMPLETE; the rest completes and the read exits 0', async () => {
    const local = await startMock({ seed: 45, rateLimits: false, conversations: 40, historyDays: 20, auditLog: false, forbiddenStreams: ['playbooks'] });
    try {
      const run = await read({ config: mockConfig(local), catalog: catalogOf() });
      expectValidProtocol(run);
      expect(run.code).toBe(0);
      expect(tracesOf(run, 'ERROR')).toEqual([]);
      for (const stream of ['audit_log_events', 'playbooks']) {
        expect(statusesOf(run, stream), stream).toEqual(['STARTED', 'INCOMPLETE']);
        expect(keysOf(run, stream)).toEqual([]);
        expect(statesOf(run, stream)).toEqual([]);
      }
      const said = warnings(run);
      expect(said).toContainEqual(expect.stringMatching(/^audit_log_events: skipped\. Ada's audit log API is not enabled for this account \(HTTP 404/));
      expect(said).toContainEqual(expect.stringMatching(/^playbooks: skipped\. Ada refused access to \/api\/v2\/playbooks\/ \(HTTP 403/));
      for (const stream of Object.keys(ALL_STREAMS).filter((s) => s !== 'audit_log_events' && s !== 'playbooks')) {
        expect(statusesOf(run, stream).at(-1), stream).toBe('COMPLETE');
        expectExactly(run, stream, local.ids(stream as never));
      }
      const check = await command('check', mockConfig(local));
      expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus!.status).toBe('SUCCEEDED');
    } finally {
      await local.close();
    }
  });
});

describe('faults on the new endpoints', () => {
  const FAULTS = {
    '5xx': { serverErrorRate: 0.25 },
    '429 with Retry-After': { rateLimitRate: 0.2, retryAfterSeconds: 1 },
    'resets mid-body': { resetRate: 0.2 },
    'truncated bodies': { truncatedBodyRate: 0.2 },
    'slow bodies': { slowBodyRate: 0.2 },
  } as const;
  for (const [name, faults] of Object.entries(FAULTS)) {
    it(`reads every list and the audit log exactly through ${name}`, async () => {
      const local = await startMock({ seed: 46, rateLimits: false, conversations: 250, messagesPerConversation: 1, historyDays: 40, auditEvents: 300, faults });
      try {
        const streams = [...LISTS, 'audit_log_events'];
        const run = await read({ config: mockConfig(local, { max_retries: 10, page_size: 100 }), catalog: catalogOf(streams) });
        expectValidProtocol(run);
        expect(run.code).toBe(0);
        expect(local.stats().faultsInjected).toBeGreaterThan(0);
        for (const stream of streams) expectExactly(run, stream, local.ids(stream as never));
      } finally {
        await local.close();
      }
    }, 120_000);
  }
});

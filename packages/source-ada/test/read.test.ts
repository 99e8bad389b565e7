import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastStates, statesOf, tracesOf, type ConnectorRun } from '@ada-airbyte/core/testing';
import type { AirbyteStateMessage } from '@ada-airbyte/core';
import { startMockAda, type MockAda } from '@ada-airbyte/mock-ada';
import { catalog, expectValidProtocol, idsOf, mockConfig, read, sorted, STREAMS, type StreamName, startMock } from './helpers.js';

let mock: MockAda;
let full: ConnectorRun;

beforeAll(async () => {
  mock = await startMock({ seed: 11, rateLimits: false, conversations: 300, messagesPerConversation: 5, historyDays: 120 });
  full = await read({ config: mockConfig(mock), catalog: catalog('full_refresh') });
});
afterAll(() => mock.close());

function untilNextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

function expectExactly(run: ConnectorRun, stream: StreamName, expected: string[]): void {
  const ids = idsOf(run, stream);
  expect(new Set(ids).size, `${stream}: an id was emitted twice`).toBe(ids.length);
  expect(sorted(ids)).toEqual(sorted(expected));
}

/** Everything a run emitted for a stream before its STATE number `n` (0-based). */
function idsBeforeState(run: ConnectorRun, stream: StreamName, n: number): string[] {
  const ids: string[] = [];
  let seen = 0;
  for (const m of run.messages) {
    if (m.type === 'RECORD' && m.record!.stream === stream) ids.push((m.record!.data as { _id: string })._id);
    if (m.type === 'STATE' && m.state!.stream!.stream_descriptor.name === stream && seen++ === n) return ids;
  }
  throw new Error(`no STATE ${n} for ${stream}`);
}

describe('full refresh', () => {
  it('emits every record of the mock exactly once, with valid protocol lines', () => {
    expectValidProtocol(full);
    expect(full.code).toBe(0);
    for (const stream of STREAMS) expectExactly(full, stream, mock.ids(stream));
    expect(mock.ids('messages').length).toBeGreaterThan(1000);
  });

  it('reports STARTED, RUNNING, COMPLETE for each stream in that order', () => {
    for (const stream of STREAMS) {
      const statuses = tracesOf(full, 'STREAM_STATUS')
        .filter((t) => t.stream_status!.stream_descriptor.name === stream)
        .map((t) => t.stream_status!.status);
      expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    }
  });

  it('checkpoints per stream after every page; recordCount adds up; no two identical STATEs in a row', () => {
    for (const stream of STREAMS) {
      const states = statesOf(full, stream);
      expect(states.length).toBeGreaterThan(idsOf(full, stream).length / 100 - 1);
      for (const s of states) {
        expect(s.type).toBe('STREAM');
        expect(s.stream!.stream_descriptor).toEqual({ name: stream });
      }
      const total = states.reduce((n, s) => n + (s.sourceStats?.recordCount ?? 0), 0);
      expect(total).toBe(idsOf(full, stream).length);
      for (let i = 1; i < states.length; i++) {
        expect(JSON.stringify(states[i]!.stream!.stream_state)).not.toBe(JSON.stringify(states[i - 1]!.stream!.stream_state));
      }
    }
    // The last message of each stream's data is a STATE: nothing emitted is left uncovered.
    for (const stream of STREAMS) {
      const own = full.messages.filter(
        (m) => (m.type === 'RECORD' && m.record!.stream === stream) || (m.type === 'STATE' && m.state!.stream!.stream_descriptor.name === stream),
      );
      expect(own.at(-1)!.type).toBe('STATE');
    }
  });

  it('emits every date-time as RFC 3339 UTC ending in Z, keeping the fractional digits Ada sent', () => {
    const raw = new Map((mock.records('messages') as Record<string, string>[]).map((r) => [r._id, r]));
    const rawConversations = new Map((mock.records('conversations') as Record<string, string>[]).map((r) => [r._id, r]));
    for (const m of full.messages.filter((m) => m.type === 'RECORD')) {
      const data = m.record!.data as Record<string, unknown>;
      const source = m.record!.stream === 'messages' ? raw.get(data._id as string)! : rawConversations.get(data._id as string)!;
      for (const field of ['date_created', 'date_updated', 'record_last_updated']) {
        if (typeof source[field] !== 'string') continue;
        const value = data[field] as string;
        expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
        const fraction = /\.(\d+)/.exec(source[field]!)?.[1];
        if (fraction) expect(value).toContain(`.${fraction}Z`);
      }
    }
  });

  it('passes unknown fields through untouched', () => {
    const byId = new Map(full.messages.filter((m) => m.type === 'RECORD').map((m) => [(m.record!.data as { _id: string })._id, m.record!.data as Record<string, unknown>]));
    for (const stream of STREAMS) {
      for (const source of mock.records(stream) as Record<string, unknown>[]) {
        const emitted = byId.get(source._id as string)!;
        expect(Object.keys(emitted).sort()).toEqual(Object.keys(source).sort());
      }
    }
  });

  it('gives the same records when run twice', async () => {
    const again = await read({ config: mockConfig(mock), catalog: catalog('full_refresh') });
    expect(again.code).toBe(0);
    for (const stream of STREAMS) expectExactly(again, stream, idsOf(full, stream));
  });
});

describe('incremental', () => {
  it('a second read from the last STATE emits only what changed', async () => {
    // This mock keeps the wall clock: mutate() stamps changes with the mock's clock, which must not
    // lag the first read's cursor. The mock's last second passes before the first read instead.
    const local = await startMockAda({ seed: 12, rateLimits: false, conversations: 120, messagesPerConversation: 4, historyDays: 60 });
    await untilNextSecond();
    try {
      const first = await read({ config: mockConfig(local) });
      expect(first.code).toBe(0);
      for (const stream of STREAMS) expectExactly(first, stream, local.ids(stream));
      const changed = local.mutate({ update: 7, create: 3 });
      // A read covers whole seconds up to the one it starts in (exclusive): let the change's second pass.
      await untilNextSecond();
      const second = await read({ config: mockConfig(local), state: lastStates(first) });
      expectValidProtocol(second);
      expect(second.code).toBe(0);
      expect(sorted(idsOf(second, 'conversations'))).toEqual(sorted([...changed.updated, ...changed.created]));
      const before = new Set(idsOf(first, 'messages'));
      const newMessages = local.ids('messages').filter((id) => !before.has(id));
      expect(newMessages.length).toBeGreaterThan(0);
      expectExactly(second, 'messages', newMessages);
    } finally {
      await local.close();
    }
  });

  it('resuming from any intermediate STATE loses nothing and repeats nothing', async () => {
    const first = await read({ config: mockConfig(mock) });
    for (const stream of STREAMS) {
      const states = statesOf(first, stream);
      const picks = [0, Math.floor(states.length / 3), Math.floor((2 * states.length) / 3), states.length - 2].filter((i) => i >= 0);
      const resumed = await Promise.all(
        picks.map((i) => read({ config: mockConfig(mock), catalog: catalog('incremental', [stream]), state: [states[i]!] })),
      );
      for (const [k, i] of picks.entries()) {
        const run = resumed[k]!;
        expect(run.code).toBe(0);
        const before = new Set(idsBeforeState(first, stream, i));
        const after = idsOf(run, stream);
        expect(after.filter((id) => before.has(id)), `state ${i} of ${stream} re-emitted records it covered`).toEqual([]);
        expectExactly(run, stream, mock.ids(stream).filter((id) => !before.has(id)));
      }
    }
  });

  it('a STATE in the future emits no records and still one STATE per stream', async () => {
    const future: AirbyteStateMessage[] = STREAMS.map((name) => ({
      type: 'STREAM',
      stream: { stream_descriptor: { name }, stream_state: { cursor: '2099-01-01T00:00:00Z' } },
    }));
    const run = await read({ config: mockConfig(mock), state: future });
    expectValidProtocol(run);
    expect(run.code).toBe(0);
    expect(run.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
    for (const stream of STREAMS) expect(statesOf(run, stream)).toHaveLength(1);
  });

  it.each([['empty file', ''], ['[]', '[]'], ['{}', '{}']])('treats a state of %s as no state', async (_name, text) => {
    const run = await read({ config: mockConfig(mock), catalog: catalog('incremental', ['conversations']), state: text });
    expect(run.code).toBe(0);
    expectExactly(run, 'conversations', mock.ids('conversations'));
  });

  it('honours end_date as an exclusive upper bound', async () => {
    const records = mock.records('conversations') as { _id: string; date_updated: string }[];
    const sortedDates = records.map((r) => r.date_updated).sort();
    const cut = sortedDates[Math.floor(sortedDates.length / 2)]!.slice(0, 19) + 'Z';
    const run = await read({ config: mockConfig(mock, { end_date: cut }), catalog: catalog('full_refresh', ['conversations']) });
    expect(run.code).toBe(0);
    const expected = records.filter((r) => r.date_updated.slice(0, 19) + 'Z' < cut).map((r) => r._id);
    expectExactly(run, 'conversations', expected);
  });

  it('clamps a start_date older than 12 months with a WARN and still reads everything Ada keeps', async () => {
    const run = await read({ config: mockConfig(mock, { start_date: '2020-01-01T00:00:00Z' }), catalog: catalog('incremental', ['conversations']) });
    expect(run.code).toBe(0);
    const warns = run.messages.filter((m) => m.type === 'LOG' && m.log!.level === 'WARN').map((m) => m.log!.message);
    expect(warns.some((w) => /conversations: start 2020-01-01T00:00:00Z is older than the 12 months Ada keeps/.test(w))).toBe(true);
    expectExactly(run, 'conversations', mock.ids('conversations'));
  });
});

describe('bad catalogs and states', () => {
  const configError = (run: ConnectorRun, pattern: RegExp) => {
    expectValidProtocol(run);
    expect(run.code).not.toBe(0);
    const errors = tracesOf(run, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error!.failure_type).toBe('config_error');
    expect(errors[0]!.error!.message).toMatch(pattern);
    expect(run.lines.join('\n')).not.toMatch(/\n\s+at .*\(/);
    expect(run.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
  };

  it('rejects an unknown stream', async () => {
    configError(await read({ config: mockConfig(mock), catalog: catalog('incremental', ['tickets']) }), /stream "tickets"/);
  });

  it('rejects an unknown sync mode', async () => {
    const c = catalog();
    (c.streams[0] as { sync_mode: string }).sync_mode = 'cdc';
    configError(await read({ config: mockConfig(mock), catalog: c }), /catalog/);
  });

  it('rejects a catalog that is not a configured catalog', async () => {
    configError(await read({ config: mockConfig(mock), catalog: { streams: 'all' } }), /not a valid configured catalog/);
  });

  it('rejects a corrupt state file, naming it', async () => {
    configError(await read({ config: mockConfig(mock), state: '[{"type": "STREAM", "stream": ' }), /state file .*state\.json is not valid JSON/);
  });

  it('rejects a state whose cursor is not a timestamp', async () => {
    const bad = [{ type: 'STREAM', stream: { stream_descriptor: { name: 'messages' }, stream_state: { cursor: 'soon' } } }];
    configError(await read({ config: mockConfig(mock), state: bad as AirbyteStateMessage[] }), /state for stream "messages"/);
  });
});

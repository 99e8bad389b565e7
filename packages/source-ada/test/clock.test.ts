import { describe, expect, it } from 'vitest';
import { lastStates, statesOf } from '@ada-airbyte/core/testing';
import { startMockAda } from '@ada-airbyte/mock-ada';
import { catalog, catalogOf, expectValidProtocol, idsOf, keysOf, mockConfig, read, sorted } from './helpers.js';

const HOUR = 3_600_000;

function warnings(run: Awaited<ReturnType<typeof read>>): string[] {
  return run.messages.filter((m) => m.type === 'LOG' && m.log!.level === 'WARN').map((m) => m.log!.message);
}

describe("reads are bounded by Ada's clock, not the machine's", () => {
  it('with the machine an hour ahead of Ada, the next read still gets what Ada stored after the last one', async () => {
    // Ada's clock (the mock's, shown in every Date header) runs an hour behind this machine's.
    let adaNow = Date.now() - HOUR;
    const mock = await startMockAda({ seed: 81, rateLimits: false, conversations: 60, historyDays: 10, auditEvents: 50, now: () => adaNow });
    try {
      const streams = ['conversations', 'messages', 'audit_log_events'];
      const first = await read({ config: mockConfig(mock), catalog: catalogOf(streams) });
      expectValidProtocol(first);
      expect(first.code).toBe(0);
      for (const s of statesOf(first)) expect(Date.parse((s.stream!.stream_state as { cursor: string }).cursor)).toBeLessThanOrEqual(adaNow);
      adaNow += 5_000;
      const changed = mock.mutate({ update: 4, create: 2 });
      const events = mock.mutateLists({ auditEvents: 3 }).auditEvents;
      adaNow += 2_000;
      const second = await read({ config: mockConfig(mock), catalog: catalogOf(streams), state: lastStates(first) });
      expect(second.code).toBe(0);
      expect(sorted(idsOf(second, 'conversations'))).toEqual(sorted([...changed.updated, ...changed.created]));
      expect(sorted(keysOf(second, 'audit_log_events'))).toEqual(sorted(events));
      expect(warnings(second)).toEqual([]);
    } finally {
      await mock.close();
    }
  });

  it("warns about a saved cursor in Ada's future and reads on from Ada's now, so nothing stored from then on is skipped", async () => {
    const mock = await startMockAda({ seed: 82, rateLimits: false, conversations: 30, historyDays: 5, now: () => Date.now() - HOUR });
    try {
      const future = new Date(Date.now() + HOUR).toISOString().slice(0, 19) + 'Z';
      const state = [{ type: 'STREAM' as const, stream: { stream_descriptor: { name: 'messages' }, stream_state: { cursor: future } } }];
      const run = await read({ config: mockConfig(mock), catalog: catalog('incremental', ['messages']), state });
      expect(run.code).toBe(0);
      expect(warnings(run)).toEqual([expect.stringMatching(new RegExp(`^messages: the saved cursor ${future} is later than Ada's clock \\(`))]);
      const saved = (statesOf(run, 'messages').at(-1)!.stream!.stream_state as { cursor: string }).cursor;
      expect(Date.parse(saved)).toBeLessThan(Date.now() - HOUR + 1000);
    } finally {
      await mock.close();
    }
  });

  it('warns about a start_date later than Ada\'s now and reads nothing', async () => {
    const mock = await startMockAda({ seed: 83, rateLimits: false, conversations: 30, historyDays: 5, now: () => Date.now() - HOUR });
    try {
      const start = new Date(Date.now() - HOUR / 2).toISOString().slice(0, 19) + 'Z';
      const run = await read({ config: mockConfig(mock, { start_date: start }), catalog: catalog('incremental', ['conversations']) });
      expect(run.code).toBe(0);
      expect(idsOf(run, 'conversations')).toEqual([]);
      expect(warnings(run)).toEqual([expect.stringMatching(new RegExp(`^conversations: start ${start} is later than Ada's clock \\(.*\\): there is nothing to read yet\\.$`))]);
    } finally {
      await mock.close();
    }
  });
});

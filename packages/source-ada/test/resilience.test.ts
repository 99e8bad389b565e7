import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastStates, statesOf, tracesOf, type ConnectorRun } from '@ada-airbyte/core/testing';
import type { MockAda } from '@ada-airbyte/mock-ada';
import { catalog, closedPort, command, expectValidProtocol, idsOf, mockConfig, read, sorted, STREAMS, type StreamName, startMock } from './helpers.js';

let mock: MockAda;
beforeAll(async () => {
  mock = await startMock({ seed: 21, rateLimits: false, conversations: 250, messagesPerConversation: 5, historyDays: 100 });
});
afterAll(() => mock.close());

/** Records a run emitted that its last STATE per stream covers (what a destination would keep). */
function coveredIds(run: ConnectorRun, stream: StreamName): string[] {
  const ids: string[] = [];
  let covered = 0;
  for (const m of run.messages) {
    if (m.type === 'RECORD' && m.record!.stream === stream) ids.push((m.record!.data as { _id: string })._id);
    if (m.type === 'STATE' && m.state!.stream!.stream_descriptor.name === stream) covered = ids.length;
  }
  return ids.slice(0, covered);
}

function expectUnionExactlyOnce(first: string[], second: string[], all: string[]): void {
  const overlap = second.filter((id) => new Set(first).has(id));
  expect(overlap, 'records covered by the resumed STATE were emitted again').toEqual([]);
  const union = [...first, ...second];
  expect(new Set(union).size).toBe(union.length);
  expect(sorted(union)).toEqual(sorted(all));
}

describe('kill and resume', () => {
  it.each([3, 9, 17])('SIGKILL after STATE number %i, then resume from the last STATE: every record exactly once', async (n) => {
    let states = 0;
    const killed = await read(
      { config: mockConfig(mock) },
      {
        onMessage: (m, child) => {
          if (m.type === 'STATE' && ++states === n) child.kill('SIGKILL');
        },
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    // Only the line being written at the kill may be cut short.
    expect(killed.invalid.filter((l) => l.line !== killed.lines.at(-1))).toEqual([]);
    const resumed = await read({ config: mockConfig(mock), state: lastStates(killed) });
    expectValidProtocol(resumed);
    expect(resumed.code).toBe(0);
    for (const stream of STREAMS) expectUnionExactlyOnce(coveredIds(killed, stream), idsOf(resumed, stream), mock.ids(stream));
  });
});

describe('faults', () => {
  it('reads the exact set of records through 5xx, 429 with Retry-After, resets mid-body and slow bodies', async () => {
    const faulty = await startMock({
      seed: 22,
      rateLimits: false,
      conversations: 150,
      messagesPerConversation: 4,
      historyDays: 60,
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.05, resetRate: 0.03, slowBodyRate: 0.05, truncatedBodyRate: 0.02, retryAfterSeconds: 1 },
    });
    try {
      const run = await read({ config: mockConfig(faulty, { max_retries: 8 }) });
      expectValidProtocol(run);
      expect(run.code).toBe(0);
      expect(faulty.stats().faultsInjected).toBeGreaterThan(0);
      for (const stream of STREAMS) {
        const ids = idsOf(run, stream);
        expect(new Set(ids).size).toBe(ids.length);
        expect(sorted(ids)).toEqual(sorted(faulty.ids(stream)));
      }
    } finally {
      await faulty.close();
    }
  });

  it('permanent 5xx ends in a transient_error after the retry budget, and the last STATE resumes correctly', async () => {
    const local = await startMock({ seed: 23, rateLimits: false, conversations: 150, messagesPerConversation: 4, historyDays: 60 });
    try {
      let states = 0;
      const started = Date.now();
      const failed = await read(
        { config: mockConfig(local, { max_retries: 2 }), catalog: catalog('incremental', ['messages']) },
        {
          onMessage: (m) => {
            if (m.type === 'STATE' && ++states === 2) local.setFaults({ serverErrorRate: 1 });
          },
        },
      );
      expect(Date.now() - started).toBeLessThan(60_000);
      expectValidProtocol(failed);
      expect(failed.code).not.toBe(0);
      const errors = tracesOf(failed, 'ERROR');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.error!.failure_type).toBe('transient_error');
      expect(errors[0]!.error!.message).toMatch(/HTTP 5\d\d/);
      const statuses = tracesOf(failed, 'STREAM_STATUS').map((t) => t.stream_status!.status);
      expect(statuses.at(-1)).toBe('INCOMPLETE');
      expect(statesOf(failed, 'messages').length).toBeGreaterThanOrEqual(2);

      local.setFaults({});
      const resumed = await read({ config: mockConfig(local), catalog: catalog('incremental', ['messages']), state: lastStates(failed) });
      expect(resumed.code).toBe(0);
      expectUnionExactlyOnce(coveredIds(failed, 'messages'), idsOf(resumed, 'messages'), local.ids('messages'));
    } finally {
      await local.close();
    }
  });

  it('a 401 mid-read is a config_error carrying Ada\'s message, not retried', async () => {
    const run = await read({ config: mockConfig(mock, { api_key: 'revoked-key-0000' }), catalog: catalog('incremental', ['messages']) });
    expectValidProtocol(run);
    expect(run.code).not.toBe(0);
    const [error] = tracesOf(run, 'ERROR');
    expect(error!.error!.failure_type).toBe('config_error');
    expect(error!.error!.message).toMatch(/HTTP 401.*api_key/);
    expect(run.lines.join('\n')).not.toContain('revoked-key-0000');
  });
});

describe('a dead host', () => {
  it('read against a closed port: WARNs that it retries and for how long, gives up after 2 retries with a transient_error naming the host, never shows the key', async () => {
    const port = await closedPort();
    const host = `127.0.0.1:${port}`;
    const key = 'sk-live-DEADHOST-4c2b1a';
    // A budget of 8 retries would keep a dead host going for about 3 minutes; a refused connection gets 2.
    const run = await read({ config: mockConfig({ apiKey: key, url: `http://${host}` }, { max_retries: 8 }), debug: true });
    expectValidProtocol(run);
    expect(run.signal).toBeNull();
    expect(run.code).not.toBe(0);

    const logs = run.messages.filter((m) => m.type === 'LOG').map((m) => m.log!);
    const retries = logs.filter((l) => l.message.startsWith('Retrying GET '));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((l) => l.level === 'WARN')).toBe(true);
    // Every request the read made was retried twice, not 8 times: attempts 2 and 3 of 3, the first
    // saying how much longer it keeps trying, the last that it is the last.
    const urls = new Set<string>();
    const said = retries.map((l) =>
      l.message.replace(/^Retrying GET (\S+) /, (_, url: string) => {
        urls.add(url);
        return '';
      }),
    );
    expect([...urls].every((url) => url.startsWith(`http://${host}/`))).toBe(true);
    const first = '(attempt 2 of 3) after ECONNREFUSED; it keeps trying for up to 2 s more.';
    const lastTry = '(attempt 3 of 3) after ECONNREFUSED.';
    expect(new Set(said)).toEqual(new Set([first, lastTry]));
    expect(said.filter((m) => m === first).length).toBe(said.filter((m) => m === lastTry).length);

    const last = run.messages.at(-1)!;
    expect(last.type).toBe('TRACE');
    expect(last.trace!.type).toBe('ERROR');
    const errors = tracesOf(run, 'ERROR').map((t) => t.error!);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      // Nothing listens there now; Ada (or a proxy) restarting comes back, so the platform may retry the sync.
      expect(error.failure_type).toBe('transient_error');
      expect(error.message).toBe(`Cannot connect to ${host} (ECONNREFUSED); check base_url http://${host}, or try again if Ada is down.`);
    }

    // With --debug, the most the connector ever prints.
    expect(run.lines.join('\n') + run.stderr).not.toContain(key);
  });
});

describe('an organisation without Data Export', () => {
  it('a 403 is a config_error naming the add-on, never retried; check says the same', async () => {
    const forbidding = await startMock({ seed: 5, conversations: 20, rateLimits: false, forbiddenApiKeys: ['no-add-on-key-0000'] });
    try {
      const config = mockConfig(forbidding, { api_key: 'no-add-on-key-0000' });
      const run = await read({ config, catalog: catalog('incremental', ['conversations', 'messages']) });
      expectValidProtocol(run);
      expect(run.code).not.toBe(0);
      const errors = tracesOf(run, 'ERROR');
      expect(errors.length).toBeGreaterThanOrEqual(1);
      for (const e of errors) {
        expect(e.error!.failure_type).toBe('config_error');
        expect(e.error!.message).toMatch(/HTTP 403.*Data Export add-on/);
      }
      // One request per planned window at most: a 403 is an answer, not a fault to retry.
      const windows = run.messages
        .map((m) => (m.type === 'LOG' ? /read of \S+ to \S+ in (\d+) window/.exec(m.log!.message)?.[1] : undefined))
        .filter((n): n is string => n !== undefined)
        .reduce((sum, n) => sum + Number(n), 0);
      expect(windows).toBeGreaterThan(0);
      // Every export request got its 403 once; the one other request asked Ada's clock.
      const stats = forbidding.stats();
      const exportRequests = (stats.byEndpoint.conversations ?? 0) + (stats.byEndpoint.messages ?? 0);
      expect(stats.status['403']).toBe(exportRequests);
      expect(stats.requests - exportRequests).toBe(1);
      expect(exportRequests).toBeLessThanOrEqual(windows);
      expect(run.lines.join('\n')).not.toContain('no-add-on-key-0000');

      const checked = await command('check', config);
      expectValidProtocol(checked);
      const status = checked.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus!;
      expect(status.status).toBe('FAILED');
      expect(status.message).toMatch(/HTTP 403.*Data Export add-on/);
      expect(checked.lines.join('\n')).not.toContain('no-add-on-key-0000');
    } finally {
      await forbidding.close();
    }
  });
});

describe('pacing', () => {
  it('with default requests_per_* against an Ada that enforces its documented limits, triggers zero 429s', async () => {
    const strict = await startMock({ seed: 24, conversations: 500, messagesPerConversation: 5, historyDays: 60 });
    try {
      const config = mockConfig(strict);
      delete config.requests_per_second;
      delete config.requests_per_minute;
      delete config.requests_per_day;
      const run = await read({ config });
      expect(run.code).toBe(0);
      expect(strict.stats().requests).toBeGreaterThan(20);
      expect(strict.stats().rateLimited).toBe(0);
      for (const stream of STREAMS) expect(sorted(idsOf(run, stream))).toEqual(sorted(strict.ids(stream)));
    } finally {
      await strict.close();
    }
  });
});

describe('daily budget', () => {
  it('stops cleanly when requests_per_day is spent: last STATE kept, transient_error says when to resume', async () => {
    const run = await read({ config: mockConfig(mock, { requests_per_day: 6 }), catalog: catalog('incremental', ['messages']) });
    expectValidProtocol(run);
    expect(run.code).not.toBe(0);
    const [error] = tracesOf(run, 'ERROR');
    expect(error!.error!.failure_type).toBe('transient_error');
    expect(error!.error!.message).toMatch(/daily budget of 6 requests is used up; resume after \d{4}-\d{2}-\d{2}T/);
    expect(statesOf(run, 'messages').length).toBeGreaterThan(0);
    // The last message before the error trail is the STATE covering every record emitted.
    const data = run.messages.filter((m) => m.type === 'RECORD' || m.type === 'STATE');
    expect(data.at(-1)!.type).toBe('STATE');
  });

  it("stops cleanly when Ada's own daily limit answers 429 with a long Retry-After", async () => {
    const capped = await startMock({ seed: 26, conversations: 200, messagesPerConversation: 5, historyDays: 60, rateLimits: { perSecond: 10, perMinute: 100, perDay: 4 } });
    try {
      const run = await read({ config: mockConfig(capped, { requests_per_second: 10, requests_per_minute: 100, requests_per_day: 15000 }), catalog: catalog('incremental', ['messages']) });
      expect(run.code).not.toBe(0);
      const [error] = tracesOf(run, 'ERROR');
      expect(error!.error!.failure_type).toBe('transient_error');
      expect(error!.error!.message).toMatch(/resume after \d{4}-\d{2}-\d{2}T/);
      // Only the requests already in flight (one per concurrent window) can meet the 429.
      expect(capped.stats().rateLimited).toBeGreaterThanOrEqual(1);
      expect(capped.stats().rateLimited).toBeLessThanOrEqual(3);
    } finally {
      await capped.close();
    }
  });
});

describe('secrets', () => {
  it('the api_key appears in no output of any command, even with --debug and on failures', async () => {
    const key = 'sk-live-TOPSECRET-9f8e7d';
    const secretMock = await startMock({ seed: 25, rateLimits: false, conversations: 30, apiKey: key, faults: { serverErrorRate: 0.2 } });
    try {
      const runs = [
        await read({ config: mockConfig(secretMock), debug: true }),
        await read({ config: mockConfig(secretMock, { page_size: 5 }), debug: true }),
        await read({ config: { ...mockConfig(secretMock), base_url: 'http://127.0.0.1:1', max_retries: 1 }, debug: true }),
      ];
      for (const run of runs) {
        expect(run.lines.length).toBeGreaterThan(0);
        expect(run.lines.join('\n') + run.stderr).not.toContain(key);
      }
      // The debug log does show requests, so the check above is meaningful.
      expect(runs[0]!.lines.some((l) => l.includes('GET http://127.0.0.1'))).toBe(true);
    } finally {
      await secretMock.close();
    }
  });
});

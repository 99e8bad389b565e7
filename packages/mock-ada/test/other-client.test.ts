import { afterEach, describe, expect, it } from 'vitest';
import { startMockAda, type MockAda } from '../src/index.js';

let mock: MockAda | undefined;
afterEach(() => mock?.close());

describe('another client of the same Ada instance', () => {
  it('spends the group budget at its rate, which X-RateLimit-Remaining shows and our requests cannot use', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    mock = await startMockAda({
      now: () => now,
      rateLimitClock: () => now,
      conversations: 5,
      groupRateLimits: { export: { perSecond: 10, perMinute: 1000, perDay: null } },
      otherClient: { group: 'export', stream: 'messages', perSecond: 6 },
      rateLimitHeaders: 'second',
    });
    const ask = () =>
      fetch(`${mock!.url}/api/v2/export/messages?created_since=2026-02-20T00:00:00Z&created_to=2026-03-01T00:00:00Z`, {
        headers: { authorization: `Bearer ${mock!.apiKey}` },
      });
    // A second on: the other client has sent 6 requests (at 0, 1/6 s, ...), 4 are left to us.
    now += 999;
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('10');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('3');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(mock.stats().otherClient).toEqual({ admitted: 6, refused: 0 });
  });

  it('is refused like anyone else when the budget is spent', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    mock = await startMockAda({
      now: () => now,
      rateLimitClock: () => now,
      conversations: 5,
      groupRateLimits: { export: { perSecond: 100, perMinute: 10, perDay: null } },
      otherClient: { group: 'export', stream: 'conversations', perMinute: 30 },
    });
    now += 59_999;
    const res = await fetch(`${mock.url}/api/v2/export/conversations?updated_since=2026-02-20T00:00:00Z&updated_to=2026-03-01T00:00:00Z`, {
      headers: { authorization: `Bearer ${mock.apiKey}` },
    });
    expect(res.status).toBe(429);
    expect(mock.stats().otherClient).toEqual({ admitted: 10, refused: 20 });
  });
});

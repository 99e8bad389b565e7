import { describe, expect, it } from 'vitest';
import { ADA_RATE_LIMITS, type MockAdaOptions } from '../src/index.js';
import { type ErrorBody, get, start } from './helpers.js';

const C = '/api/v2/export/conversations?updated_since=2026-02-20T00:00:00Z&page_size=100';
const M = '/api/v2/export/messages?created_since=2026-02-20T00:00:00Z&page_size=100';
const T0 = 1_800_000_000_000;

/** A mock whose rate-limit windows run on a clock the test moves by hand. */
async function limited(opts: MockAdaOptions = {}) {
  const clock = { t: T0 };
  const mock = await start({ conversations: 30, rateLimits: ADA_RATE_LIMITS, rateLimitClock: () => clock.t, ...opts });
  return { mock, clock };
}

async function statuses(mock: Awaited<ReturnType<typeof limited>>['mock'], path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(mock, path)).status);
  return out;
}

describe('rate limits', () => {
  it('allows 10 requests in a rolling second per endpoint, then answers 429 with Retry-After and the errors envelope', async () => {
    const { mock, clock } = await limited();
    expect(await statuses(mock, C, 10)).toEqual(Array(10).fill(200));
    const refused = await get(mock, C);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as ErrorBody).errors[0]).toMatchObject({ type: 'too_many_requests', details: null });
    // The other endpoint has its own per-second budget.
    expect((await get(mock, M)).status).toBe(200);
    clock.t = T0 + 999;
    expect((await get(mock, C)).status).toBe(429);
    clock.t = T0 + 1000;
    expect((await get(mock, C)).status).toBe(200);
    expect(mock.stats().rateLimited).toBe(2);
    expect(mock.stats().status['429']).toBe(2);
  });

  it('does not count refused requests as used slots', async () => {
    const { mock, clock } = await limited();
    expect(await statuses(mock, C, 10)).toEqual(Array(10).fill(200));
    clock.t = T0 + 500;
    expect(await statuses(mock, C, 5)).toEqual(Array(5).fill(429));
    clock.t = T0 + 1000;
    // Had the five refusals at +500 ms taken slots, only five of these would pass.
    expect(await statuses(mock, C, 10)).toEqual(Array(10).fill(200));
    expect((await get(mock, C)).status).toBe(429);
  });

  it('shares 100 requests per rolling minute across endpoints and reports it in X-RateLimit-* headers', async () => {
    const { mock, clock } = await limited();
    for (let i = 0; i < 100; i++) {
      clock.t = T0 + i * 100;
      const res = await get(mock, i % 2 === 0 ? C : M);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('100');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(99 - i));
      // The oldest request in the window leaves it, freeing a slot, at T0 + 60 s.
      expect(res.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil((T0 + 60_000) / 1000)));
      await res.arrayBuffer();
    }
    clock.t = T0 + 10_000;
    const refused = await get(mock, M);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(refused.headers.get('x-ratelimit-remaining')).toBeNull();
    clock.t = T0 + 59_999;
    const almost = await get(mock, C);
    expect(almost.status).toBe(429);
    expect(almost.headers.get('retry-after')).toBe('1');
    clock.t = T0 + 60_000;
    const freed = await get(mock, C);
    expect(freed.status).toBe(200);
    expect(freed.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(freed.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil((T0 + 100 + 60_000) / 1000)));
  });

  it('enforces the daily limit over a rolling day', async () => {
    const { mock, clock } = await limited({ rateLimits: { perSecond: 10, perMinute: 100, perDay: 5 } });
    for (let i = 0; i < 5; i++) {
      clock.t = T0 + i * 60_000;
      expect((await get(mock, C)).status).toBe(200);
    }
    clock.t = T0 + 3_600_000;
    const refused = await get(mock, C);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(86_400 - 3_600));
    clock.t = T0 + 86_400_000;
    expect((await get(mock, C)).status).toBe(200);
  });

  it('never refuses a client that stays within the limits', async () => {
    const { mock, clock } = await limited();
    // 10/s bursts per endpoint, but paced to 100 per minute overall: 250 requests over 150 s.
    for (let i = 0; i < 250; i++) {
      clock.t = T0 + Math.floor(i / 10) * 6_000 + (i % 10) * 10;
      expect((await get(mock, i % 3 === 0 ? M : C)).status).toBe(200);
    }
    expect(mock.stats().rateLimited).toBe(0);
  });

  it('ignores unauthenticated requests and can be reconfigured or switched off at run time', async () => {
    const { mock } = await limited();
    expect(await statuses(mock, C, 0)).toEqual([]);
    for (let i = 0; i < 20; i++) expect((await get(mock, C, {})).status).toBe(401);
    expect(await statuses(mock, C, 10)).toEqual(Array(10).fill(200));
    expect((await get(mock, C)).status).toBe(429);
    mock.setRateLimits(false);
    const unlimited = await get(mock, C);
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers.get('x-ratelimit-limit')).toBeNull();
    mock.setRateLimits({ perSecond: 2, perMinute: 100, perDay: 1000 });
    expect(await statuses(mock, C, 3)).toEqual([200, 200, 429]);
  });

  it("defaults to Ada's limits on the wall clock", async () => {
    const mock = await start({ conversations: 10, rateLimits: undefined });
    const res = await get(mock, C);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('100');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('99');
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 55);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 61);
  });
});

import { describe, expect, it } from 'vitest';
import { ADA_GROUP_RATE_LIMITS, ADA_RATE_LIMITS, type MockAda, type MockAdaOptions } from '../src/index.js';
import { RateLimiter } from '../src/rate-limit.js';
import { get, start } from './helpers.js';

const T0 = 1_800_000_000_000;

const PATHS = {
  export: '/api/v2/export/conversations?updated_since=2026-02-20T00:00:00Z&page_size=100',
  tags: '/api/v2/knowledge/tags/',
  variables: '/api/v2/variables',
  playbooks: '/api/v2/playbooks/?limit=1',
  endUsers: '/api/v2/end-users/?limit=1',
  articles: '/api/v2/knowledge/articles/?limit=1',
  audit: '/api/v2/analytics/audit-log/events/?start_date=2026-02-20T00:00:00Z&limit=1',
} as const;

async function limited(opts: MockAdaOptions = {}) {
  const clock = { t: T0 };
  const mock = await start({ conversations: 30, rateLimits: undefined, rateLimitClock: () => clock.t, ...opts });
  return { mock, clock };
}

async function statuses(mock: MockAda, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await get(mock, path);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

async function headers(mock: MockAda, path: string): Promise<[number, string | null, string | null]> {
  const res = await get(mock, path);
  await res.arrayBuffer();
  return [res.status, res.headers.get('x-ratelimit-limit'), res.headers.get('x-ratelimit-remaining')];
}

describe('rate limits per API group', () => {
  it('report each group\'s per-minute window in the X-RateLimit-* headers', async () => {
    const { mock } = await limited();
    expect(await headers(mock, PATHS.export)).toEqual([200, '100', '99']);
    expect(await headers(mock, PATHS.tags)).toEqual([200, '100', '99']);
    expect(await headers(mock, PATHS.variables)).toEqual([200, '100', '98']);
    expect(await headers(mock, PATHS.endUsers)).toEqual([200, '300', '299']);
    expect(await headers(mock, PATHS.articles)).toEqual([200, '1000', '999']);
    expect(await headers(mock, PATHS.audit)).toEqual([200, '120', '119']);
    const reset = (await get(mock, PATHS.audit)).headers.get('x-ratelimit-reset');
    expect(reset).toBe(String(Math.ceil((T0 + 60_000) / 1000)));
    // A refused request (400) carries no rate headers but spends a slot, as at Ada.
    const bad = await get(mock, '/api/v2/channels/');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-ratelimit-limit')).toBeNull();
    expect(await headers(mock, PATHS.tags)).toEqual([200, '100', '96']);
  });

  it('share the default group\'s 10/s across its endpoints, apart from every other group', async () => {
    const { mock, clock } = await limited();
    expect(await statuses(mock, PATHS.tags, 4)).toEqual(Array(4).fill(200));
    expect(await statuses(mock, PATHS.variables, 3)).toEqual(Array(3).fill(200));
    expect(await statuses(mock, PATHS.playbooks, 3)).toEqual(Array(3).fill(200));
    const refused = await get(mock, '/api/v2/webhooks/event-types');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    // Other groups still have their whole budgets.
    expect(await statuses(mock, PATHS.export, 10)).toEqual(Array(10).fill(200));
    expect(await statuses(mock, PATHS.endUsers, 30)).toEqual(Array(30).fill(200));
    expect((await get(mock, PATHS.endUsers)).status).toBe(429);
    expect(await statuses(mock, PATHS.articles, 200)).toEqual(Array(200).fill(200));
    expect((await get(mock, PATHS.articles)).status).toBe(429);
    expect(await statuses(mock, PATHS.audit, 10)).toEqual(Array(10).fill(200));
    expect((await get(mock, PATHS.audit)).status).toBe(429);
    clock.t = T0 + 1000;
    expect((await get(mock, PATHS.tags)).status).toBe(200);
  });

  it('a burst that spends one group\'s minute leaves the others untouched', async () => {
    const { mock, clock } = await limited();
    for (let i = 0; i < 100; i++) {
      clock.t = T0 + i * 110;
      expect((await get(mock, i % 2 === 0 ? PATHS.tags : PATHS.playbooks)).status).toBe(200);
    }
    const refused = await get(mock, PATHS.variables);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(await headers(mock, PATHS.export)).toEqual([200, '100', '99']);
    expect(await headers(mock, PATHS.endUsers)).toEqual([200, '300', '299']);
    expect(await headers(mock, PATHS.audit)).toEqual([200, '120', '119']);
  });

  it('let the audit log have 120 a minute', async () => {
    const { mock, clock } = await limited();
    for (let i = 0; i < 120; i++) {
      clock.t = T0 + i * 150;
      expect((await get(mock, PATHS.audit)).status).toBe(200);
    }
    const refused = await get(mock, PATHS.audit);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil((T0 + 60_000 - clock.t) / 1000)));
  });

  it('enforce a daily cap only where the group has one', () => {
    const clock = { t: T0 };
    const limiter = new RateLimiter({ ...ADA_GROUP_RATE_LIMITS, endUsers: { perSecond: 30, perMinute: 300, perDay: null }, default: { perSecond: 10, perMinute: 100, perDay: 150 } }, () => clock.t);
    for (let i = 0; i < 20_000; i++) {
      clock.t = T0 + i * 250;
      expect(limiter.admit('endUsers', 'end_users')?.admitted).toBe(true);
      if (i % 4 === 0 && i < 600) expect(limiter.admit('default', 'knowledge_tags')?.admitted).toBe(true);
    }
    const refused = limiter.admit('default', 'knowledge_tags');
    expect(refused).toMatchObject({ admitted: false });
    expect(refused?.admitted === false && refused.retryAfterSeconds).toBeGreaterThan(80_000);
  });

  it('take per-group overrides and false for an unlimited group; rateLimits still means the export group', async () => {
    const { mock } = await limited({
      rateLimits: { perSecond: 2, perMinute: 100, perDay: 1000 },
      groupRateLimits: { default: { perSecond: 1, perMinute: 5, perDay: null }, endUsers: false },
    });
    expect(await statuses(mock, PATHS.export, 3)).toEqual([200, 200, 429]);
    expect(await statuses(mock, PATHS.tags, 2)).toEqual([200, 429]);
    expect(await headers(mock, PATHS.endUsers)).toEqual([200, null, null]);
    expect(await statuses(mock, PATHS.endUsers, 100)).toEqual(Array(100).fill(200));
    expect(await headers(mock, PATHS.audit)).toEqual([200, '120', '119']);
  });

  it('can be changed at run time, and rateLimits: false switches every group off', async () => {
    const { mock } = await limited({ rateLimits: false });
    expect(await headers(mock, PATHS.audit)).toEqual([200, null, null]);
    expect(await statuses(mock, PATHS.tags, 30)).toEqual(Array(30).fill(200));
    mock.setGroupRateLimits({ default: { perSecond: 1, perMinute: 10, perDay: 10 } });
    expect(await headers(mock, PATHS.tags)).toEqual([200, null, null]);
    mock.setRateLimits(ADA_RATE_LIMITS);
    expect(await statuses(mock, PATHS.tags, 2)).toEqual([200, 429]);
    expect(await headers(mock, PATHS.endUsers)).toEqual([200, '300', '299']);
    mock.setGroupRateLimits({ default: undefined, endUsers: false });
    expect(await headers(mock, PATHS.tags)).toEqual([200, '100', '99']);
    expect(await headers(mock, PATHS.endUsers)).toEqual([200, null, null]);
  });

  it('refuse bad group settings', async () => {
    await expect(start({ groupRateLimits: { default: { perSecond: 0, perMinute: 1, perDay: 1 } } })).rejects.toThrow(/groupRateLimits.default.perSecond/);
    await expect(start({ groupRateLimits: { nope: false } as never })).rejects.toThrow(/unknown group/);
    await expect(start({ rateLimits: ADA_RATE_LIMITS, groupRateLimits: { export: ADA_RATE_LIMITS } })).rejects.toThrow(/both set the export group/);
  });

  it('an injected 429 gives the slot back to its own group', async () => {
    const { mock } = await limited({ faults: { rateLimitRate: 1 } });
    expect(await statuses(mock, PATHS.audit, 15)).toEqual(Array(15).fill(429));
    mock.setFaults({});
    expect(await headers(mock, PATHS.audit)).toEqual([200, '120', '119']);
  });
});

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../src/errors.js';
import { Pacer, type PacingLimits } from '../src/http/pacer.js';

/**
 * The pacer runs on a fake clock: `now` reads vitest's fake Date.now and its sleeps are fake
 * setTimeouts, so a simulated day passes in milliseconds and every time is exact.
 */
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const generous: PacingLimits = { perSecond: 1000, perMinute: 1_000_000, perDay: 10_000_000 };

function pacer(limits: Partial<PacingLimits>): Pacer {
  return new Pacer({ ...generous, ...limits }, () => Date.now());
}

/** Starts every acquire at once, runs the fake clock until all settle, returns the grant times. */
async function grantTimes(p: Pacer, keys: string[]): Promise<Array<{ key: string; at: number }>> {
  const grants: Array<{ key: string; at: number }> = [];
  const all = Promise.all(keys.map((key) => p.acquire(key).then(() => grants.push({ key, at: Date.now() - T0 }))));
  await vi.runAllTimersAsync();
  await all;
  return grants.sort((a, b) => a.at - b.at);
}

/** The largest number of times in any half-open interval [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * A pacer (10/s for all keys) a second after a burst of ten, whose next two requests went out at
 * the window's edge; the server's answer to the second says `remaining` are left.
 */
async function atFullWindowEdge(remaining: number): Promise<{ q: Pacer; edgeAt: number }> {
  const q = pacer({ perSecond: 10, perSecondScope: 'all' });
  for (const slot of await Promise.all(Array.from({ length: 10 }, () => q.acquire('a')))) slot.answered(T0, T0 + 5);
  const [edge] = await grantTimes(q, ['a']);
  const slot = await q.acquire('a');
  slot.answered(T0 + edge!.at, T0 + edge!.at + 5);
  slot.budget(10, remaining);
  return { q, edgeAt: edge!.at };
}

describe('Pacer', () => {
  it('counts every key against one per-second window with perSecondScope "all", keeping stats per key', async () => {
    const p = pacer({ perSecond: 2, perSecondScope: 'all' });
    const grants = await grantTimes(p, ['a', 'b', 'c', 'a', 'b', 'c']);
    expect(maxInWindow(grants.map((g) => g.at), 1000)).toBe(2);
    expect(p.statsFor('a').requests).toBe(2);
    expect(p.statsFor('c').requests).toBe(2);
  });

  it('counts a request answered late as if it reached the server late, once a quicker answer shows the delay was a queue', async () => {
    const p = pacer({ perSecond: 10 });
    // Three requests sit 250 ms in the server's queue; seven more, sent as they come back, are answered in 5 ms.
    const first = await Promise.all(Array.from({ length: 3 }, () => p.acquire('a')));
    await vi.advanceTimersByTimeAsync(250);
    for (const slot of first) slot.answered(T0, T0 + 250);
    for (let i = 0; i < 7; i++) (await p.acquire('a')).answered(T0 + 250, T0 + 255);
    const grants = await grantTimes(p, ['a']);
    // The first three may have been counted 245 ms after they left: the eleventh waits for that too.
    expect(grants[0]!.at).toBeGreaterThanOrEqual(1245);
    expect(grants[0]!.at).toBeLessThanOrEqual(1245 + 100);
  });

  it('moves nothing for latency that is the same for every request', async () => {
    const p = pacer({ perSecond: 10 });
    const slots = await Promise.all(Array.from({ length: 10 }, () => p.acquire('a')));
    for (const slot of slots) slot.answered(T0, T0 + 300);
    const grants = await grantTimes(p, ['a']);
    expect(grants[0]!.at).toBeLessThanOrEqual(1000 + 100);
  });

  it('leaves a wider margin after a request still on its way than after one whose answer placed it', async () => {
    const p = pacer({ perSecond: 10 });
    const unanswered = await Promise.all(Array.from({ length: 10 }, () => p.acquire('a')));
    expect(unanswered).toHaveLength(10);
    const [afterUnanswered] = await grantTimes(p, ['a']);
    const q = pacer({ perSecond: 10 });
    const start = Date.now() - T0;
    for (const slot of await Promise.all(Array.from({ length: 10 }, () => q.acquire('a')))) slot.answered(start + T0, start + T0 + 300);
    const [afterAnswered] = await grantTimes(q, ['a']);
    expect(afterUnanswered!.at).toBe(1025);
    expect(afterAnswered!.at - start).toBe(1010);
  });

  it('places the counts of a first burst by its quickest answer: the others queued at a server still warming up', async () => {
    const p = pacer({ perSecond: 10 });
    // One request went straight through in 300 ms.
    (await p.acquire('a')).answered(T0, T0 + 300);
    await vi.advanceTimersByTimeAsync(1100);
    // Then a burst of ten that each waited 20 ms at the server before it counted them.
    const start = Date.now() - T0;
    for (const slot of await Promise.all(Array.from({ length: 10 }, () => p.acquire('a')))) slot.answered(start + T0, start + T0 + 320);
    const [next] = await grantTimes(p, ['a']);
    expect(next!.at - start).toBe(1000 + 20 + 10);
  });

  it('leaves to another client what the server says it spent, and takes the budget back once it stops', async () => {
    const p = pacer({ perSecond: 10, perSecondScope: 'all' });
    // Our first request: the server had counted 5 others in its second, and says 4 are left.
    const first = await p.acquire('a');
    first.answered(T0, T0 + 5);
    first.budget(10, 4);
    // 10 - 5 others - 1 of slack = 4 of ours in any second. For a sixth of a second after the
    // sighting, ours are spread (a quarter second apart), so that the others' next requests show
    // their pace; nothing more was seen, so the other two follow at once, and the next once the
    // first has left the window.
    const grants = await grantTimes(p, ['a', 'a', 'a', 'a']);
    expect(grants.map((g) => g.at).slice(0, 3)).toEqual([250, 250, 250]);
    expect(grants[3]!.at).toBeGreaterThanOrEqual(1000);
    expect(grants[3]!.at).toBeLessThan(1200);
    // A second later the sighting has left the window: the whole budget is ours again.
    await vi.advanceTimersByTimeAsync(1100);
    const later = await grantTimes(p, Array.from({ length: 10 }, () => 'a'));
    expect(later.filter((g) => g.at === later[0]!.at)).toHaveLength(10);
  });

  it('takes one other request at the start for another client, and one at the edge of a full window for noise', async () => {
    // At the start none of ours can have left the server's window unseen: a count of one is another client's.
    const p = pacer({ perSecond: 10, perSecondScope: 'all' });
    const first = await p.acquire('a');
    first.answered(T0, T0 + 5);
    first.budget(10, 8);
    const start = await grantTimes(p, Array.from({ length: 8 }, () => 'a'));
    // 10 - 1 other - 1 of slack = 8 of ours: seven more, spread, and the eighth waits for the window.
    expect(start.filter((g) => g.at < 1000)).toHaveLength(7);

    // A second full of ours later, the one a count disagrees on may be ours at the window's edge.
    // Two of ours in its window and seven left: one more than we know of, at the edge.
    const { q, edgeAt } = await atFullWindowEdge(7);
    const after = await grantTimes(q, Array.from({ length: 8 }, () => 'a'));
    expect(after.every((g) => g.at - edgeAt < 100)).toBe(true);
  });

  it('does not hold back a burst for a count at a full window\'s edge, which is mostly our own noise', async () => {
    // Three more than we know of, with our last second's burst at the window's edge: taken as
    // others (6 of ours allowed), but not as a new client whose pace must first be seen.
    const { q, edgeAt } = await atFullWindowEdge(5);
    const after = await grantTimes(q, ['a', 'a', 'a', 'a']);
    expect(after.every((g) => g.at - edgeAt < 100)).toBe(true);
  });

  it('keeps as many requests in flight as the binding rate times the answer time (and a quarter), plus one', async () => {
    const p = pacer({ perSecond: 10, perMinute: 100 });
    // Before the first answer, half of what 10 a second allow; two for a limit that low or far off.
    expect(p.inFlightFor('a', 10)).toBe(5);
    expect(pacer({ perSecond: 3 }).inFlightFor('a')).toBe(2);
    expect(pacer({ perSecond: 1e9, perMinute: 1e9 }).inFlightFor('a')).toBe(2);
    (await p.acquire('a')).answered(T0, T0 + 3000);
    // Until a page has been handled too.
    expect(p.inFlightFor('a')).toBe(5);
    // 100 a minute for 3 s answers: 5 in flight, a quarter more (7), and one ready.
    expect(p.inFlightFor('a', 10)).toBe(8);
    const fast = pacer({ perSecond: 10, perMinute: 100_000 });
    (await fast.acquire('a')).answered(T0, T0 + 300);
    // 10 a second for 300 ms answers: 3, a quarter more (4), and one.
    expect(fast.inFlightFor('a', 10)).toBe(5);
    // With the limits far off, handling a page (100 ms) binds: 3, a quarter more (4), and one; 400 ms: 1, and one.
    const lifted = pacer({ perSecond: 1e9, perMinute: 1e9, perDay: 1e12 });
    (await lifted.acquire('a')).answered(T0, T0 + 300);
    expect(lifted.inFlightFor('a', 100)).toBe(5);
    expect(lifted.inFlightFor('a', 400)).toBe(2);
  });

  it('has no daily window when perDay is Infinity', async () => {
    const p = pacer({ perSecond: 1000, perMinute: 1_000_000, perDay: Infinity, maxWaitMs: 1 });
    const grants = await grantTimes(p, Array.from({ length: 50 }, () => 'a'));
    expect(grants.every((g) => g.at === 0)).toBe(true);
  });

  it('grants immediately while under every limit', async () => {
    const p = pacer({ perSecond: 3 });
    const grants = await grantTimes(p, ['a', 'a', 'a']);
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0]);
    expect(p.statsFor('a')).toEqual({ requests: 3, waitedMs: 0 });
  });

  it('never grants more than perSecond per key in any rolling second, and waits no longer than needed', async () => {
    const p = pacer({ perSecond: 2 });
    const grants = await grantTimes(p, Array.from({ length: 7 }, () => 'a'));
    const times = grants.map((g) => g.at);
    expect(maxInWindow(times, 1000)).toBe(2);
    // The third request goes out just after the first leaves the window (plus the small margin).
    expect(times[2]).toBeGreaterThanOrEqual(1000);
    expect(times[2]).toBeLessThanOrEqual(1100);
    expect(times[6]).toBeLessThanOrEqual(3 * 1100);
  });

  it('keeps per-second windows separate per key', async () => {
    const p = pacer({ perSecond: 1 });
    const grants = await grantTimes(p, ['a', 'b', 'c', 'a']);
    expect(grants.filter((g) => g.key !== 'a').map((g) => g.at)).toEqual([0, 0]);
    expect(grants.filter((g) => g.key === 'a').map((g) => g.at)[1]).toBeGreaterThanOrEqual(1000);
  });

  it('applies perMinute across keys: a burst of perMinute goes at once, the next waits about a minute', async () => {
    const p = pacer({ perSecond: 100, perMinute: 10 });
    const keys = Array.from({ length: 11 }, (_, i) => (i % 2 ? 'x' : 'y'));
    const grants = await grantTimes(p, keys);
    expect(grants.slice(0, 10).every((g) => g.at === 0)).toBe(true);
    expect(grants[10]!.at).toBeGreaterThanOrEqual(60_000);
    expect(grants[10]!.at).toBeLessThanOrEqual(61_000);
    expect(maxInWindow(grants.map((g) => g.at), 60_000)).toBe(10);
  });

  it('applies perDay across keys', async () => {
    const p = pacer({ perSecond: 100, perMinute: 100, perDay: 4, maxWaitMs: Number.POSITIVE_INFINITY });
    const grants = await grantTimes(p, ['a', 'b', 'c', 'd', 'e']);
    expect(grants.slice(0, 4).map((g) => g.at)).toEqual([0, 0, 0, 0]);
    expect(grants[4]!.at).toBeGreaterThanOrEqual(86_400_000);
    expect(grants[4]!.at).toBeLessThanOrEqual(86_400_000 + 10_000);
  });

  it('treats a fractional limit as one request per 1/limit seconds', async () => {
    const p = pacer({ perSecond: 0.5 });
    const times = (await grantTimes(p, ['a', 'a', 'a', 'a'])).map((g) => g.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(2000);
    expect(times[3]).toBeLessThanOrEqual(3 * 2100);
  });

  it('rounds a fractional limit above one down, never up', async () => {
    const p = pacer({ perSecond: 2.5 });
    const times = (await grantTimes(p, Array.from({ length: 9 }, () => 'a'))).map((g) => g.at);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(2);
  });

  it('stops with a TransientError saying when to resume once the daily budget is spent', async () => {
    const p = pacer({ perDay: 2 });
    await grantTimes(p, ['a', 'b']);
    const error = await p.acquire('a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    const t = error as TransientError;
    expect(t.retryAt).toBeInstanceOf(Date);
    const resumeMs = t.retryAt!.getTime() - T0;
    expect(resumeMs).toBeGreaterThanOrEqual(86_400_000);
    expect(resumeMs).toBeLessThanOrEqual(86_400_000 + 10_000);
    expect(t.message).toContain(t.retryAt!.toISOString());
    expect(t.message).toMatch(/daily budget of 2 requests/);
    expect(p.statsFor('a').requests).toBe(1);
  });

  it('obeys pauseUntil, for every key', async () => {
    const p = pacer({});
    p.pauseUntil(T0 + 5_000);
    p.pauseUntil(T0 + 1_000); // an earlier pause never shortens the current one
    const grants = await grantTimes(p, ['a', 'b']);
    expect(grants.map((g) => g.at)).toEqual([5_000, 5_000]);
    expect(p.statsFor('a')).toEqual({ requests: 1, waitedMs: 5_000 });
  });

  it('throws instead of sleeping through a pause longer than maxWaitMs', async () => {
    const p = pacer({ maxWaitMs: 60_000 });
    p.pauseUntil(T0 + 20 * 60_000);
    const error = (await p.acquire('a').catch((e: unknown) => e)) as TransientError;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.retryAt?.getTime()).toBe(T0 + 20 * 60_000);
    expect(error.message).toContain(new Date(T0 + 20 * 60_000).toISOString());
    expect(error.message).toMatch(/asked us to pause/);
    expect(p.statsFor('a').requests).toBe(0);
  });

  it('does not blame the API for a wait caused by our own per-minute limit', async () => {
    const p = pacer({ perMinute: 1, maxWaitMs: 10_000 });
    await grantTimes(p, ['a']);
    const error = (await p.acquire('a').catch((e: unknown) => e)) as TransientError;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain(error.retryAt!.toISOString());
    // No pause was requested and the daily budget is untouched: the reason must not claim otherwise.
    expect(error.message).not.toMatch(/asked us to pause/);
    expect(error.message).not.toMatch(/daily budget/);
  });

  it('counts a request from when it was actually sent, if later than the grant', async () => {
    const p = pacer({ perSecond: 1 });
    const slot = await p.acquire('a');
    // The connection took 400 ms to open: the server sees the request at +400.
    slot.sentAt(T0 + 400);
    const grants = await grantTimes(p, ['a']);
    expect(grants[0]!.at).toBeGreaterThanOrEqual(1400);
    expect(grants[0]!.at).toBeLessThanOrEqual(1500);
    // A send time before the grant never moves the window back.
    const early = await grantTimes(p, ['b']);
    expect(early[0]!.at).toBe(grants[0]!.at);
  });

  it('statsFor counts requests and time spent waiting, per key', async () => {
    const p = pacer({ perSecond: 1 });
    await grantTimes(p, ['a', 'a', 'a', 'b']);
    const a = p.statsFor('a');
    expect(a.requests).toBe(3);
    // Waits of ~1 s and ~2 s for the second and third request.
    expect(a.waitedMs).toBeGreaterThanOrEqual(3000);
    expect(a.waitedMs).toBeLessThanOrEqual(3300);
    expect(p.statsFor('b')).toEqual({ requests: 1, waitedMs: 0 });
    expect(p.statsFor('never')).toEqual({ requests: 0, waitedMs: 0 });
  });

  it('holds every limit for random limits and request mixes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          perSecond: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.5, 0.25, 1.5)),
          perMinute: fc.integer({ min: 1, max: 30 }),
          perDay: fc.integer({ min: 5, max: 60 }),
        }),
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 40 }),
        async (limits, keys) => {
          const start = Date.now();
          const p = new Pacer({ ...limits, maxWaitMs: Number.POSITIVE_INFINITY }, () => Date.now());
          const grants: Array<{ key: string; at: number }> = [];
          const all = Promise.all(keys.map((key) => p.acquire(key).then(() => grants.push({ key, at: Date.now() - start }))));
          await vi.runAllTimersAsync();
          await all;
          expect(grants).toHaveLength(keys.length);
          const everyTime = grants.map((g) => g.at);
          expect(maxInWindow(everyTime, 60_000)).toBeLessThanOrEqual(limits.perMinute);
          expect(maxInWindow(everyTime, 86_400_000)).toBeLessThanOrEqual(limits.perDay);
          const perSecond = limits.perSecond < 1 ? 1 : Math.floor(limits.perSecond);
          const windowMs = limits.perSecond < 1 ? 1000 / limits.perSecond : 1000;
          for (const key of new Set(keys)) {
            const times = grants.filter((g) => g.key === key).map((g) => g.at);
            expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(perSecond);
            expect(p.statsFor(key).requests).toBe(times.length);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

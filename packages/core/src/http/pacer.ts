import { TransientError } from '../errors.js';
import { formatDuration } from '../time.js';
import { AnswerTimes, SlidingWindow, Stamp } from './sliding-window.js';

export interface PacingLimits {
  /** In any rolling second: per key (an endpoint) by default, for all keys with `perSecondScope: 'all'`. */
  perSecond: number;
  perSecondScope?: 'key' | 'all';
  /** For all keys, in any rolling minute. */
  perMinute: number;
  /** For all keys, in any rolling 24 hours; Infinity for none. */
  perDay: number;
  /**
   * Waiting longer than this for a slot means the budget is spent for now: stop with a
   * TransientError that says when to resume instead of sleeping for hours.
   */
  maxWaitMs?: number;
}

/** A granted request. */
export interface Slot {
  /**
   * The moment the request was actually written to the socket, when known: a new connection can
   * delay it well past the grant, and the server counts arrivals, not grants.
   */
  sentAt(ms: number): void;
  /**
   * The request (sent at `sentMs`) was answered at `answeredMs`. The server counted it somewhere in
   * between; see Stamp.at.
   */
  answered(sentMs: number, answeredMs: number): void;
  /** What the server said of its budget in that answer (X-RateLimit-Limit and -Remaining). */
  budget(limit: number, remaining: number): void;
}

/**
 * At most this many requests before the first answer. Under a per-second limit of up to twice this
 * (Ada's 10/s), the slots of the first second that go unused are lost for good: each slot's next
 * request waits a second after its last, so a late start delays the read's end. Half, not all:
 * until an answer tells what other clients of the budget spend (X-RateLimit-*), the other half is
 * left to them.
 */
const FIRST_BURST = 5;

export interface PacerStats {
  requests: number;
  waitedMs: number;
}

/**
 * Paces requests to one budget of an API's documented limits so a read never provokes a 429 on
 * its own: per-second (per key or for all), per-minute and per-day windows over every key. Also
 * obeys a pause the server asks for (X-RateLimit-Remaining: 0 until X-RateLimit-Reset). An API
 * with several budgets (one per group of endpoints) gets one Pacer per budget.
 */
export class Pacer {
  private readonly perKey = new Map<string, SlidingWindow>();
  private readonly minute: SlidingWindow;
  private readonly day: SlidingWindow | undefined;
  private pausedUntil = 0;
  /** Recent answers' times (see Stamp.at and inFlightFor). */
  private readonly answers = new AnswerTimes();
  private readonly stats = new Map<string, PacerStats>();

  constructor(
    private readonly limits: PacingLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.minute = new SlidingWindow(limits.perMinute, 60_000, 500);
    this.day = limits.perDay === Infinity ? undefined : new SlidingWindow(limits.perDay, 86_400_000, 5_000);
  }

  /** Resolves when a request for `key` may be sent, and counts it as sent. */
  async acquire(key: string): Promise<Slot> {
    const perSecond = this.windowFor(key);
    const stats = this.statsFor(key);
    for (;;) {
      const now = this.now();
      const quick = this.answers.quick();
      const dayFree = this.day?.nextFree(now, quick) ?? now;
      const secondFree = perSecond.nextFree(now, quick);
      const minuteFree = this.minute.nextFree(now, quick);
      const at = Math.max(secondFree, minuteFree, dayFree, this.pausedUntil);
      if (at <= now) {
        const stamp = new Stamp(now);
        perSecond.record(stamp);
        this.minute.record(stamp);
        this.day?.record(stamp);
        stats.requests += 1;
        return {
          sentAt: (ms) => void (stamp.sent = Math.max(stamp.sent, ms)),
          answered: (sentMs, answeredMs) => this.answered(stamp, sentMs, answeredMs),
          budget: (limit, remaining) => this.budget(perSecond, stamp, limit, remaining),
        };
      }
      const maxWait = this.limits.maxWaitMs ?? 15 * 60_000;
      if (at - now > maxWait) {
        const reason =
          at === dayFree
            ? `the daily budget of ${this.day?.limit ?? 0} requests is used up`
            : at === this.pausedUntil
              ? 'the API asked us to pause'
              : at === minuteFree
                ? `the budget of ${this.minute.limit} requests per ${formatDuration(this.minute.windowMs)} is used up`
                : `the budget of ${perSecond.limit} requests per ${formatDuration(perSecond.windowMs)} for ${key} is used up`;
        throw new TransientError(
          `Stopped because ${reason}; resume after ${new Date(at).toISOString()} (in ${formatDuration(at - now)}).`,
          { retryAt: new Date(at) },
        );
      }
      await sleep(at - now);
      stats.waitedMs += this.now() - now;
    }
  }

  /**
   * How many requests of `key` to keep in flight, by Little's law: the binding rate times how long
   * an answer takes, and one more so that a request is ready when a slot opens. The binding rate is
   * the lower of the API's per-second and per-minute limits (as left to us) and, when those are far
   * off, how fast pages are handled once they arrive (`pageMs`): more in flight than that only holds
   * more pages in memory. The daily limit is a budget, not a pace: a read may spend it at the
   * per-minute rate, and the pacer stops it when it is spent. Until both an answer's time and a
   * page's handling are known, half of what a per-second limit of up to ten allows (see
   * FIRST_BURST), else two: with the limits far off, more would only hold pages nobody can handle
   * yet.
   */
  inFlightFor(key: string, pageMs?: number): number {
    const latencyMs = this.answers.typical();
    const now = this.now();
    const second = this.windowFor(key);
    if (latencyMs === undefined || pageMs === undefined) return second.limit <= 2 * FIRST_BURST ? Math.max(2, Math.floor(second.allowed(now) / 2)) : 2;
    const perMs = Math.min(
      second.allowed(now) / second.windowMs,
      this.minute.allowed(now) / this.minute.windowMs,
      pageMs > 0 ? 1 / pageMs : Infinity,
    );
    // A quarter more than the mean needs: answers vary, and a request not ready when a slot opens is lost.
    return Math.ceil(perMs * latencyMs * 1.25) + 1;
  }

  private answered(stamp: Stamp, sentMs: number, answeredMs: number): void {
    stamp.sent = Math.max(stamp.sent, sentMs);
    stamp.answered = answeredMs;
    this.answers.add(Math.max(0, answeredMs - stamp.sent));
  }

  /**
   * The server's budget as an answer stated it. Its window is taken to be the per-minute one
   * unless its limit is the per-second one's (Ada does not say which window its headers count).
   */
  private budget(second: SlidingWindow, stamp: Stamp, limit: number, remaining: number): void {
    const window = limit === second.limit && limit !== this.minute.limit ? second : this.minute;
    window.observeServer(limit, remaining, stamp);
  }

  /** The server says no requests are left until `untilMs` (e.g. from X-RateLimit-Reset). */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  statsFor(key: string): PacerStats {
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = { requests: 0, waitedMs: 0 }));
    return s;
  }

  private windowFor(key: string): SlidingWindow {
    const scope = this.limits.perSecondScope === 'all' ? '' : key;
    let w = this.perKey.get(scope);
    // 25 ms after a request still on its way: 10 ms let a 14-stream read against a loaded mock-ada
    // collect 429s when its arrivals jittered by more. An answered one is placed by its answer's time,
    // closely enough for 10 ms while nobody else spends the window.
    if (!w) this.perKey.set(scope, (w = new SlidingWindow(this.limits.perSecond, 1_000, 25, 10)));
    return w;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { TransientError } from '../errors.js';
import { formatDuration } from '../time.js';

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

/**
 * One request's place in the windows. The server counts it when its rate limiter sees it: after it
 * left here (`sent`), before it was answered (`answered`), and with a queue in front of the limiter,
 * possibly well after it left. See `at`.
 */
class Stamp {
  answered = Number.NaN;

  constructor(public sent: number) {}

  /**
   * When the server most likely counted the request. The quickest answer seen is taken as the part
   * of any answer's time that comes after the count (the work, the way back); whatever an answer
   * took beyond that may have been spent queueing before it, so the request counts as late as
   * that. Steady latency moves nothing; delays that vary (a busy server at the start of a burst)
   * move the stamps later, and the next requests wait accordingly.
   */
  at(quickestMs: number): number {
    return Number.isNaN(this.answered) ? this.sent : Math.max(this.sent, this.answered - quickestMs);
  }
}

/** Windows holding more stamps than this look only at the oldest one's send time: their margins dwarf any queue. */
const EXACT_UP_TO = 1000;

/**
 * "At most `limit` events in any rolling `windowMs`", kept as a ring of the last `limit` stamps.
 * The margin absorbs the jitter that the stamps' estimates do not.
 */
class SlidingWindow {
  private readonly stamps: Stamp[] = [];
  private head = 0;
  readonly limit: number;

  constructor(
    limit: number,
    readonly windowMs: number,
    private readonly marginMs: number,
  ) {
    // A fractional limit such as 0.5/s means one request every 2 s.
    this.limit = Math.max(1, Math.floor(limit));
    if (limit < 1) this.windowMs = windowMs / limit;
  }

  /** Earliest time at which one more event fits. */
  nextFree(now: number, quickestMs: number): number {
    if (this.stamps.length < this.limit) return now;
    // The limit-th latest of the last `limit` counts: the earliest of them, their estimates having moved.
    let oldest = this.stamps[this.head]!.sent;
    if (this.limit <= EXACT_UP_TO) {
      oldest = Infinity;
      for (const stamp of this.stamps) oldest = Math.min(oldest, stamp.at(quickestMs));
    }
    return Math.max(now, oldest + this.windowMs + this.marginMs);
  }

  record(stamp: Stamp): void {
    if (this.stamps.length < this.limit) {
      this.stamps.push(stamp);
      return;
    }
    this.stamps[this.head] = stamp;
    this.head = (this.head + 1) % this.limit;
  }
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
   * between; see Pacer.answered.
   */
  answered(sentMs: number, answeredMs: number): void;
}

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
  /** The quickest answer seen, in ms (see Stamp.at). */
  private quickestMs = Infinity;
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
      const dayFree = this.day?.nextFree(now, this.quickestMs) ?? now;
      const secondFree = perSecond.nextFree(now, this.quickestMs);
      const minuteFree = this.minute.nextFree(now, this.quickestMs);
      const at = Math.max(secondFree, minuteFree, dayFree, this.pausedUntil);
      if (at <= now) {
        const stamp = new Stamp(now);
        perSecond.record(stamp);
        this.minute.record(stamp);
        this.day?.record(stamp);
        stats.requests += 1;
        return {
          sentAt: (ms) => void (stamp.sent = Math.max(stamp.sent, ms)),
          answered: (sentMs, answeredMs) => {
            stamp.sent = Math.max(stamp.sent, sentMs);
            stamp.answered = answeredMs;
            this.quickestMs = Math.min(this.quickestMs, Math.max(0, answeredMs - stamp.sent));
          },
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
    if (!w) this.perKey.set(scope, (w = new SlidingWindow(this.limits.perSecond, 1_000, 50)));
    return w;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

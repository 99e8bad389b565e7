import { TransientError } from '../errors.js';
import { formatDuration } from '../time.js';

export interface PacingLimits {
  /** Per key (an endpoint), in any rolling second. */
  perSecond: number;
  /** Whole process, in any rolling minute. */
  perMinute: number;
  /** Whole process, in any rolling 24 hours. */
  perDay: number;
  /**
   * Waiting longer than this for a slot means the budget is spent for now: stop with a
   * TransientError that says when to resume instead of sleeping for hours.
   */
  maxWaitMs?: number;
}

/** One request's place in the windows; its time moves to when the request actually left. */
interface Stamp {
  t: number;
}

/**
 * "At most `limit` events in any rolling `windowMs`", kept as a ring of the last `limit` stamps.
 * The margin absorbs the jitter between our send time and the server's arrival time.
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
  nextFree(now: number): number {
    if (this.stamps.length < this.limit) return now;
    return Math.max(now, this.stamps[this.head]!.t + this.windowMs + this.marginMs);
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
}

export interface PacerStats {
  requests: number;
  waitedMs: number;
}

/**
 * Paces requests to the API's documented limits so a read never provokes a 429 on its own:
 * per-key per-second, and process-wide per-minute and per-day windows. Also obeys a pause the
 * server asks for (X-RateLimit-Remaining: 0 until X-RateLimit-Reset).
 */
export class Pacer {
  private readonly perKey = new Map<string, SlidingWindow>();
  private readonly minute: SlidingWindow;
  private readonly day: SlidingWindow;
  private pausedUntil = 0;
  private readonly stats = new Map<string, PacerStats>();

  constructor(
    private readonly limits: PacingLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.minute = new SlidingWindow(limits.perMinute, 60_000, 500);
    this.day = new SlidingWindow(limits.perDay, 86_400_000, 5_000);
  }

  /** Resolves when a request for `key` may be sent, and counts it as sent. */
  async acquire(key: string): Promise<Slot> {
    const perSecond = this.windowFor(key);
    const stats = this.statsFor(key);
    for (;;) {
      const now = this.now();
      const dayFree = this.day.nextFree(now);
      const secondFree = perSecond.nextFree(now);
      const minuteFree = this.minute.nextFree(now);
      const at = Math.max(secondFree, minuteFree, dayFree, this.pausedUntil);
      if (at <= now) {
        const stamp: Stamp = { t: now };
        perSecond.record(stamp);
        this.minute.record(stamp);
        this.day.record(stamp);
        stats.requests += 1;
        return { sentAt: (ms) => void (stamp.t = Math.max(stamp.t, ms)) };
      }
      const maxWait = this.limits.maxWaitMs ?? 15 * 60_000;
      if (at - now > maxWait) {
        const reason =
          at === dayFree
            ? `the daily budget of ${this.day.limit} requests is used up`
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
    let w = this.perKey.get(key);
    if (!w) this.perKey.set(key, (w = new SlidingWindow(this.limits.perSecond, 1_000, 50)));
    return w;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

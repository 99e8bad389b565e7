export interface RateLimits {
  perSecond: number;
  perMinute: number;
  perDay: number;
}

/** Ada's v2 Data Export limits (ada-api.md §4): 10/s per endpoint, 100/min and 15,000/day per instance. */
export const ADA_RATE_LIMITS: RateLimits = { perSecond: 10, perMinute: 100, perDay: 15_000 };

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Arrival times of admitted requests within one rolling window. A request at t is inside the
 * window of a later instant u while u − t < span, so "at most L in any rolling span" holds exactly,
 * not per calendar bucket.
 */
class SlidingLog {
  private times: number[] = [];
  private head = 0;

  constructor(
    readonly limit: number,
    readonly spanMs: number,
  ) {}

  prune(nowMs: number): void {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= nowMs - this.spanMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  get count(): number {
    return this.times.length - this.head;
  }

  /** When the oldest admitted request leaves the window, freeing a slot. */
  get nextFreeMs(): number {
    return (this.times[this.head] ?? 0) + this.spanMs;
  }

  push(nowMs: number): void {
    this.times.push(nowMs);
  }

  popLast(): void {
    if (this.count > 0) this.times.pop();
  }
}

export type Admission =
  | { admitted: true; minute: { limit: number; remaining: number; resetUnixSeconds: number } }
  | { admitted: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly perEndpoint = new Map<string, SlidingLog>();
  private readonly minute: SlidingLog;
  private readonly day: SlidingLog;

  constructor(
    readonly limits: RateLimits,
    private readonly clock: () => number,
  ) {
    this.minute = new SlidingLog(limits.perMinute, MINUTE_MS);
    this.day = new SlidingLog(limits.perDay, DAY_MS);
  }

  /** Decides on arrival; a refused request leaves no trace in any window. */
  admit(endpoint: string): Admission {
    const now = this.clock();
    let second = this.perEndpoint.get(endpoint);
    if (second === undefined) {
      second = new SlidingLog(this.limits.perSecond, SECOND_MS);
      this.perEndpoint.set(endpoint, second);
    }
    const logs = [second, this.minute, this.day];
    let freeAt = -Infinity;
    for (const log of logs) {
      log.prune(now);
      if (log.count >= log.limit) freeAt = Math.max(freeAt, log.nextFreeMs);
    }
    if (freeAt > -Infinity) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
    }
    for (const log of logs) log.push(now);
    return {
      admitted: true,
      minute: {
        limit: this.minute.limit,
        remaining: this.minute.limit - this.minute.count,
        resetUnixSeconds: Math.ceil(this.minute.nextFreeMs / 1000),
      },
    };
  }

  /** Takes back the slot of the request admitted last (an injected 429 should not cost a slot either). */
  refund(endpoint: string): void {
    this.perEndpoint.get(endpoint)?.popLast();
    this.minute.popLast();
    this.day.popLast();
  }
}

export function validateRateLimits(limits: RateLimits): RateLimits {
  for (const key of ['perSecond', 'perMinute', 'perDay'] as const) {
    const value = limits[key];
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`rateLimits.${key} must be a positive integer, got ${value}`);
  }
  return { perSecond: limits.perSecond, perMinute: limits.perMinute, perDay: limits.perDay };
}

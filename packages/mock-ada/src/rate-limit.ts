import { RATE_LIMIT_GROUPS, type RateLimitGroup } from './streams.js';

export interface RateLimits {
  perSecond: number;
  perMinute: number;
  perDay: number;
}

/** One API group's budget; `perDay: null` is no daily cap (Ada dropped some in 2026-09, ada-api.md §9.1). */
export interface GroupRateLimits {
  perSecond: number;
  perMinute: number;
  perDay: number | null;
}

/** Ada's v2 Data Export limits (ada-api.md §4): 10/s per endpoint, 100/min and 15,000/day per instance. */
export const ADA_RATE_LIMITS: RateLimits = { perSecond: 10, perMinute: 100, perDay: 15_000 };

/** Every group's budget per Ada instance (ada-api.md §10.4, articles per §9.3). */
export const ADA_GROUP_RATE_LIMITS: Readonly<Record<RateLimitGroup, GroupRateLimits>> = {
  export: ADA_RATE_LIMITS,
  default: { perSecond: 10, perMinute: 100, perDay: 10_000 },
  endUsers: { perSecond: 30, perMinute: 300, perDay: null },
  knowledgeArticles: { perSecond: 200, perMinute: 1_000, perDay: null },
  auditLog: { perSecond: 10, perMinute: 120, perDay: 40_000 },
};

/** Per group: its limits, or false for no limiting; a group left out keeps Ada's. */
export type GroupRateLimitOptions = Partial<Record<RateLimitGroup, GroupRateLimits | false>>;

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

/**
 * One group's windows. Only the export group counts its per-second limit per endpoint (Ada's
 * "10 req/s per endpoint"); every other group shares all of its windows across its endpoints.
 */
class GroupLimiter {
  private readonly perSecond = new Map<string, SlidingLog>();
  private readonly minute: SlidingLog;
  private readonly day: SlidingLog | null;

  constructor(
    private readonly limits: GroupRateLimits,
    private readonly secondPerEndpoint: boolean,
  ) {
    this.minute = new SlidingLog(limits.perMinute, MINUTE_MS);
    this.day = limits.perDay === null ? null : new SlidingLog(limits.perDay, DAY_MS);
  }

  /** Decides on arrival; a refused request leaves no trace in any window. */
  admit(endpoint: string, now: number): Admission {
    const logs = this.logs(endpoint);
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

  refund(endpoint: string): void {
    for (const log of this.logs(endpoint)) log.popLast();
  }

  private logs(endpoint: string): SlidingLog[] {
    const key = this.secondPerEndpoint ? endpoint : '*';
    let second = this.perSecond.get(key);
    if (second === undefined) {
      second = new SlidingLog(this.limits.perSecond, SECOND_MS);
      this.perSecond.set(key, second);
    }
    return this.day === null ? [second, this.minute] : [second, this.minute, this.day];
  }
}

/** Sliding windows per API group: a burst on one group never spends another group's budget. */
export class RateLimiter {
  private readonly groups = new Map<RateLimitGroup, GroupLimiter>();

  constructor(
    limits: Readonly<Record<RateLimitGroup, GroupRateLimits | false>>,
    private readonly clock: () => number,
  ) {
    for (const group of RATE_LIMIT_GROUPS) {
      const own = limits[group];
      if (own !== false) this.groups.set(group, new GroupLimiter(own, group === 'export'));
    }
  }

  /** null when the group is not limited (and so sends no X-RateLimit-* headers). */
  admit(group: RateLimitGroup, endpoint: string): Admission | null {
    return this.groups.get(group)?.admit(endpoint, this.clock()) ?? null;
  }

  /** Takes back the slot of the request admitted last (an injected 429 should not cost a slot either). */
  refund(group: RateLimitGroup, endpoint: string): void {
    this.groups.get(group)?.refund(endpoint);
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export function validateRateLimits(limits: RateLimits): RateLimits {
  for (const key of ['perSecond', 'perMinute', 'perDay'] as const) positiveInteger(`rateLimits.${key}`, limits[key]);
  return { perSecond: limits.perSecond, perMinute: limits.perMinute, perDay: limits.perDay };
}

function validateGroup(group: RateLimitGroup, limits: GroupRateLimits | false): GroupRateLimits | false {
  if (limits === false) return false;
  positiveInteger(`groupRateLimits.${group}.perSecond`, limits.perSecond);
  positiveInteger(`groupRateLimits.${group}.perMinute`, limits.perMinute);
  if (limits.perDay !== null) positiveInteger(`groupRateLimits.${group}.perDay`, limits.perDay);
  return { perSecond: limits.perSecond, perMinute: limits.perMinute, perDay: limits.perDay };
}

/**
 * Every group's effective limits. `rateLimits` keeps its old meaning, the export group, so it may
 * not be given twice; a group left out of `groups` keeps Ada's limits.
 */
export function resolveGroupLimits(
  rateLimits: RateLimits | undefined,
  groups: GroupRateLimitOptions = {},
): Record<RateLimitGroup, GroupRateLimits | false> {
  for (const name of Object.keys(groups)) {
    if (!(RATE_LIMIT_GROUPS as readonly string[]).includes(name)) {
      throw new RangeError(`groupRateLimits: unknown group ${JSON.stringify(name)}; expected one of ${RATE_LIMIT_GROUPS.join(', ')}`);
    }
  }
  if (rateLimits !== undefined && groups.export !== undefined) {
    throw new RangeError('rateLimits and groupRateLimits.export both set the export group; give only one');
  }
  const out = { ...ADA_GROUP_RATE_LIMITS } as Record<RateLimitGroup, GroupRateLimits | false>;
  for (const group of RATE_LIMIT_GROUPS) {
    const given = group === 'export' && rateLimits !== undefined ? validateRateLimits(rateLimits) : groups[group];
    if (given !== undefined) out[group] = validateGroup(group, given);
  }
  return out;
}

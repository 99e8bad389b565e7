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

/** What a window had left after an admission, as the X-RateLimit-* headers tell it. */
export interface WindowCount {
  limit: number;
  remaining: number;
  resetUnixSeconds: number;
}

export type Admission = { admitted: true; minute: WindowCount; second: WindowCount } | { admitted: false; retryAfterSeconds: number };

/**
 * Another client of the same Ada instance (the customer's other integrations): it spends the
 * group's budget at a steady rate, on `stream`'s endpoint. A request of its own that finds the
 * budget spent is refused like any other.
 */
export interface OtherClient {
  group: RateLimitGroup;
  stream: string;
  perSecond?: number;
  perMinute?: number;
}

/** What the other client got. */
export interface OtherClientStats {
  admitted: number;
  refused: number;
}

function windowCount(log: SlidingLog): WindowCount {
  return { limit: log.limit, remaining: log.limit - log.count, resetUnixSeconds: Math.ceil(log.nextFreeMs / 1000) };
}

/**
 * One group's windows. Only the export group counts its per-second limit per endpoint (Ada's
 * "10 req/s per endpoint"); every other group shares all of its windows across its endpoints.
 */
class GroupLimiter {
  private readonly perSecond = new Map<string, SlidingLog>();
  private readonly minute: SlidingLog;
  private readonly day: SlidingLog | null;
  private other: { stream: string; everyMs: number; nextMs: number; stats: OtherClientStats } | undefined;

  constructor(
    private readonly limits: GroupRateLimits,
    private readonly secondPerEndpoint: boolean,
  ) {
    this.minute = new SlidingLog(limits.perMinute, MINUTE_MS);
    this.day = limits.perDay === null ? null : new SlidingLog(limits.perDay, DAY_MS);
  }

  /** From `now` on, another client spends this group's budget (see OtherClient). */
  shareWith(client: OtherClient, now: number): OtherClientStats {
    const everyMs = client.perSecond !== undefined ? 1000 / client.perSecond : 60_000 / (client.perMinute ?? 1);
    this.other = { stream: client.stream, everyMs, nextMs: now, stats: { admitted: 0, refused: 0 } };
    return this.other.stats;
  }

  /** Decides on arrival; a refused request leaves no trace in any window. */
  admit(endpoint: string, now: number): Admission {
    this.catchUpOther(now);
    return this.decide(endpoint, now);
  }

  /** The other client's requests that arrived by `now`, decided in arrival order before this one. */
  private catchUpOther(now: number): void {
    const other = this.other;
    if (!other) return;
    for (; other.nextMs <= now; other.nextMs += other.everyMs) {
      if (this.decide(other.stream, other.nextMs).admitted) other.stats.admitted++;
      else other.stats.refused++;
    }
  }

  private decide(endpoint: string, now: number): Admission {
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
    return { admitted: true, minute: windowCount(this.minute), second: windowCount(logs[0]!) };
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

  /** Lets another client spend a group's budget from now on; undefined if the group is not limited. */
  shareWith(client: OtherClient): OtherClientStats | undefined {
    return this.groups.get(client.group)?.shareWith(client, this.clock());
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

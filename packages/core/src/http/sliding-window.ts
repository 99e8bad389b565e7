/**
 * One request's place in the windows. The server counts it when its rate limiter sees it: after it
 * left here (`sent`), before it was answered (`answered`), and with a queue in front of the limiter,
 * possibly well after it left. See `at`.
 */
export class Stamp {
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

/** What another client of the same budget was seen to spend, and when. */
interface OthersSeen {
  count: number;
  at: number;
}

/**
 * "At most `limit` events in any rolling `windowMs`", kept as a ring of the last `limit` stamps.
 * The margin absorbs the jitter that the stamps' estimates do not.
 *
 * The budget may be shared: another client of the same API account spends it too. What the server
 * says is left (X-RateLimit-Remaining) against what we know we spent tells what the others spent;
 * the most they were seen to spend in the last window is left to them.
 */
export class SlidingWindow {
  private readonly stamps: Stamp[] = [];
  private head = 0;
  readonly limit: number;
  private serverLimit: number | undefined;
  private others: OthersSeen[] = [];

  constructor(
    limit: number,
    readonly windowMs: number,
    private readonly marginMs: number,
  ) {
    // A fractional limit such as 0.5/s means one request every 2 s.
    this.limit = Math.max(1, Math.floor(limit));
    if (limit < 1) this.windowMs = windowMs / limit;
  }

  /** How many of our requests may be in any rolling window now. */
  allowed(now: number): number {
    if (this.serverLimit === undefined) return this.limit;
    this.others = this.others.filter((o) => o.at > now - this.windowMs);
    const others = this.others.reduce((most, o) => Math.max(most, o.count), 0);
    if (others === 0) return this.limit;
    // A request or two of slack: the server's count and ours are taken at slightly different moments.
    const slack = Math.max(1, Math.ceil(this.serverLimit * 0.02));
    return Math.min(this.limit, this.serverLimit - others - slack);
  }

  /** Earliest time at which one more event fits. */
  nextFree(now: number, quickestMs: number): number {
    const allowed = this.allowed(now);
    // Others spend it all: try again once the oldest sighting has left the window.
    if (allowed <= 0) return Math.max(now, Math.min(...this.others.map((o) => o.at)) + this.windowMs);
    if (this.stamps.length < allowed) return now;
    if (this.limit > EXACT_UP_TO) return Math.max(now, this.stamps[this.head]!.sent + this.windowMs + this.marginMs);
    // The allowed-th latest count, the stamps' estimates having moved since they were recorded.
    const times = this.stamps.map((s) => s.at(quickestMs)).sort((a, b) => b - a);
    return Math.max(now, times[allowed - 1]! + this.windowMs + this.marginMs);
  }

  record(stamp: Stamp): void {
    if (this.stamps.length < this.limit) {
      this.stamps.push(stamp);
      return;
    }
    this.stamps[this.head] = stamp;
    this.head = (this.head + 1) % this.limit;
  }

  /**
   * The server's count after admitting the request of `stamp`: `limit` in its window, `remaining`
   * left. What it counted beyond our own requests in the window before that one was the others'.
   */
  observeServer(limit: number, remaining: number, stamp: Stamp, quickestMs: number): void {
    const at = stamp.at(quickestMs);
    let ours = 0;
    for (const s of this.stamps) {
      const t = s.at(quickestMs);
      if (t > at - this.windowMs && t <= at) ours++;
    }
    this.serverLimit = limit;
    this.others.push({ count: Math.max(0, limit - remaining - ours), at });
  }
}

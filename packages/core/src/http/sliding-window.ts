/**
 * One request's place in the windows. The server counts it when its rate limiter sees it: after it
 * left here (`sent`), before it was answered (`answered`), and with a queue in front of the limiter,
 * possibly well after it left. See `at`.
 */
export class Stamp {
  answered = Number.NaN;

  constructor(public sent: number) {}

  /**
   * When the server most likely counted the request. A quick answer's time (see AnswerTimes) is
   * taken as the part of any answer's time that comes after the count (the work, the way back);
   * whatever an answer took beyond that may have been spent queueing before it, so the request
   * counts as late as that. Steady latency moves nothing; delays that vary (a busy server at the
   * start of a burst) move the stamps later, and the next requests wait accordingly.
   */
  at(quickMs: number): number {
    return Number.isNaN(this.answered) ? this.sent : Math.max(this.sent, this.answered - quickMs);
  }
}

/**
 * Recent answers' times. `quick()` is a low percentile of them (the 5th), which is the quickest
 * until there are 21, rather than the quickest ever: one unusually fast answer (an error, a cached
 * reply) would otherwise make every slower answer look queued and hold every next request back by
 * its whole latency. Higher ones place counts too early whenever most answers were slowed together:
 * the median let the audit log's first burst collect 429s, and the 20th percentile let a read's
 * first seconds against a server still warming up collect one in about four runs of the 10/s bench.
 */
export class AnswerTimes {
  private readonly times: number[] = [];
  private next = 0;
  private mean: number | undefined;

  constructor(private readonly keep = 32) {}

  add(ms: number): void {
    if (this.times.length < this.keep) this.times.push(ms);
    else this.times[this.next] = ms;
    this.next = (this.next + 1) % this.keep;
    this.mean = this.mean === undefined ? ms : this.mean + 0.2 * (ms - this.mean);
  }

  /** The 5th percentile of the recent answers; Infinity before the first. */
  quick(): number {
    if (this.times.length === 0) return Infinity;
    const sorted = [...this.times].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) * 0.05)]!;
  }

  /** Their exponentially weighted mean; undefined before the first. */
  typical(): number | undefined {
    return this.mean;
  }
}

/** Windows holding more stamps than this look only at the oldest one's send time: their margins dwarf any queue. */
const EXACT_UP_TO = 1000;

/**
 * What another client of the same budget was seen to spend, and when. `certain` when none of our
 * own requests was near the window's trailing edge then: only there can the server's count and
 * ours disagree about one of ours, so only there can a count of others be our own noise.
 */
interface OthersSeen {
  count: number;
  at: number;
  certain: boolean;
}

/**
 * "At most `limit` events in any rolling `windowMs`", kept as a ring of the last `limit` stamps.
 * The margin absorbs the jitter that the stamps' estimates do not.
 *
 * The budget may be shared: another client of the same API account spends it too. What the server
 * says is left (X-RateLimit-Remaining) against what we know we spent tells what the others spent;
 * the most they were seen to spend in the last window is left to them. That only shows what they
 * got, not what they wanted: while the window is full, a client that came later is refused and
 * looks small. So when the window is full and others are in it, our own share shrinks (by a fifth,
 * at most every tenth of a window) and then grows back slowly, as TCP shares a link: the room that
 * opens shows the others' real demand, which they are then left.
 */
export class SlidingWindow {
  private readonly stamps: Stamp[] = [];
  private head = 0;
  readonly limit: number;
  private serverLimit: number | undefined;
  private others: OthersSeen[] = [];
  /** Our own share of the window while others spend it too (see the class comment). */
  private share: number;
  private shrunkAt = -Infinity;
  private last: Stamp | undefined;

  /**
   * `marginMs` is added to a window's end when the count that ends it is only known by its send
   * time, or when others spend the window too (a request of theirs waits for the room we leave, and
   * jitter would give it to us); `answeredMarginMs` where it was answered, which placed it
   * (Stamp.at) within the jitter of the server's own times rather than of the way there.
   */
  constructor(
    limit: number,
    readonly windowMs: number,
    private readonly marginMs: number,
    private readonly answeredMarginMs = marginMs,
  ) {
    // A fractional limit such as 0.5/s means one request every 2 s.
    this.limit = Math.max(1, Math.floor(limit));
    if (limit < 1) this.windowMs = windowMs / limit;
    this.share = this.limit;
  }

  /** How many of our requests may be in any rolling window now. */
  allowed(now: number): number {
    if (this.serverLimit === undefined) return this.limit;
    this.others = this.others.filter((o) => o.at > now - this.windowMs);
    const others = this.othersDemand();
    if (others === 0) return this.limit;
    return Math.min(this.limit, Math.floor(this.share), this.serverLimit - others - this.slack());
  }

  /**
   * What the others will want of a window: the most they were seen to hold, or, while their count
   * is still growing (a client that started within the last window), its rate over a whole window.
   * A count within the slack is noise unless it was certain (see OthersSeen).
   */
  private othersDemand(): number {
    const seen = this.othersSeen();
    if (seen.length === 0) return 0;
    const most = seen.reduce((m, o) => Math.max(m, o.count), 0);
    const first = seen[0]!;
    const last = seen[seen.length - 1]!;
    const span = last.at - first.at;
    if (span < this.windowMs / 6 || last.count <= first.count) return most;
    const projected = Math.round(((last.count - first.count) / span) * this.windowMs);
    return Math.min(this.serverLimit ?? this.limit, Math.max(most, projected));
  }

  /** Sightings of others that are not noise: beyond the slack, or certain (see OthersSeen). */
  private othersSeen(): OthersSeen[] {
    return this.others.filter((o) => this.notNoise(o));
  }

  private notNoise(o: OthersSeen): boolean {
    return o.count > (o.certain ? 0 : this.slack());
  }

  /**
   * A few requests of slack (5% of the limit): the server's count and ours are taken at slightly
   * different moments, and at a window's edge they differ by a few when both are near the limit.
   */
  private slack(): number {
    return Math.max(1, Math.ceil((this.serverLimit ?? this.limit) * 0.05));
  }

  /**
   * Whether others were first seen for certain (see OthersSeen) too recently to tell their pace:
   * one sighting says what they got so far, not what they want. A count beyond the slack at a full
   * window's edge does not start this: there, after a burst of ours, it is mostly our own noise.
   */
  private othersUnmeasured(now: number): boolean {
    const first = this.others.find((o) => o.certain && o.count > 0);
    return first !== undefined && now - first.at < this.windowMs / 6;
  }

  /** Earliest time at which one more event fits. */
  nextFree(now: number, quickMs: number): number {
    const allowed = this.allowed(now);
    // Others spend it all: try again once the oldest sighting has left the window.
    if (allowed <= 0) return Math.max(now, Math.min(...this.others.map((o) => o.at)) + this.windowMs);
    // Until their pace is known, ours is spread evenly: a burst would take the room their next
    // requests need, and being refused, they would look smaller than they are.
    const spread = this.last !== undefined && this.othersUnmeasured(now) ? this.last.sent + this.windowMs / allowed : now;
    return Math.max(spread, this.slotFree(now, quickMs, allowed));
  }

  private slotFree(now: number, quickMs: number, allowed: number): number {
    if (this.stamps.length < allowed) return now;
    if (this.limit > EXACT_UP_TO) return Math.max(now, this.stamps[this.head]!.sent + this.windowMs + this.marginMs);
    const alone = this.serverLimit === undefined || this.othersDemand() === 0;
    // The allowed-th latest count, the stamps' estimates having moved since they were recorded.
    const counted = this.stamps.map((s) => ({ at: s.at(quickMs), answered: !Number.isNaN(s.answered) })).sort((a, b) => b.at - a.at);
    const ending = counted[allowed - 1]!;
    return Math.max(now, ending.at + this.windowMs + (ending.answered && alone ? this.answeredMarginMs : this.marginMs));
  }

  record(stamp: Stamp): void {
    this.last = stamp;
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
  observeServer(limit: number, remaining: number, stamp: Stamp): void {
    // Which of ours the server had counted when it took this one: those sent in the window before it.
    // Send times, not the pacer's later estimates (Stamp.at): the question is their order of arrival.
    const at = stamp.sent;
    const edge = at - this.windowMs;
    const nearMs = this.windowMs / 10;
    let ours = 0;
    let nearEdge = false;
    for (const s of this.stamps) {
      if (s.sent > edge && s.sent <= at) ours++;
      if (Math.abs(s.sent - edge) <= nearMs) nearEdge = true;
    }
    this.serverLimit = limit;
    const others = Math.max(0, limit - remaining - ours);
    const seen: OthersSeen = { count: others, at, certain: !nearEdge };
    this.others.push(seen);
    if (this.notNoise(seen) && remaining <= this.slack()) {
      if (at - this.shrunkAt >= this.windowMs / 10) {
        this.share = Math.max(1, Math.floor(Math.min(this.share, ours) * 0.8));
        this.shrunkAt = at;
      }
    } else if (this.share < this.limit) {
      this.share = Math.min(this.limit, this.share + 0.5);
    }
  }
}

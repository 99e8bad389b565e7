import { IdCodec } from './ids.js';
import { hash32, Rng, seedWords } from './random.js';
import { floorToSecondUs, US_PER_DAY, US_PER_SECOND } from './time.js';

/** The three orders a query can walk: which stream and which timestamp it filters on. */
export type OrderKind = 'conversations-updated' | 'conversations-created' | 'messages-created';

export interface DatasetConfig {
  seed: number;
  conversations: number;
  messagesPerConversation: number;
  historyDays: number;
  /** Generated data lies strictly before this instant (microseconds). */
  anchorUs: number;
  /** Clusters per order kind; see makeTies. */
  tieGroups: number;
}

const TAG_LAYOUT = 0x1a;
const TAG_MUTATE = 0x2b;
const TAG_CONVERSATION_IDS = 0xc0;
const TAG_MESSAGE_IDS = 0x3e;

/** A page of a window: record indices in API order and whether more records match after them. */
export interface WindowPage {
  indices: number[];
  more: boolean;
}

/**
 * Only timestamps, parent links and sort orders are stored (a few numbers per record); every other
 * field is regenerated from the record index when a page is serialised. That keeps a million
 * messages to tens of megabytes and lets a window be found by binary search.
 */
export class Dataset {
  readonly seedWords: [number, number];
  readonly anchorUs: number;
  readonly conversationIds: IdCodec;
  readonly messageIds: IdCodec;
  /** Records below these indices came from the generator; later ones from mutate(). */
  readonly generatedConversations: number;
  readonly generatedMessages: number;

  readonly convCreated: number[] = [];
  readonly convUpdated: number[] = [];
  readonly convMessageStart: number[] = [];
  readonly convMessageCount: number[] = [];
  /** How many times mutate() touched a conversation; selects its mutable fields. Sparse. */
  readonly convVersion = new Map<number, number>();
  readonly msgCreated: number[] = [];
  readonly msgConversation: number[] = [];

  private readonly orders: Record<OrderKind, Uint32Array>;
  private mutations = 0;

  constructor(private readonly config: DatasetConfig) {
    this.seedWords = seedWords(config.seed);
    this.anchorUs = config.anchorUs;
    this.conversationIds = new IdCodec(this.seedWords, TAG_CONVERSATION_IDS);
    this.messageIds = new IdCodec(this.seedWords, TAG_MESSAGE_IDS);
    const rng = new Rng(hash32(this.seedWords[0], this.seedWords[1], TAG_LAYOUT));
    this.generate(rng);
    this.checkCapacity();
    this.makeAllTies(rng);
    this.generatedConversations = this.convCreated.length;
    this.generatedMessages = this.msgCreated.length;
    this.orders = {
      'conversations-updated': this.sortedOrder('conversations-updated', this.convCreated.length),
      'conversations-created': this.sortedOrder('conversations-created', this.convCreated.length),
      'messages-created': this.sortedOrder('messages-created', this.msgCreated.length),
    };
  }

  get conversationCount(): number {
    return this.convCreated.length;
  }

  get messageCount(): number {
    return this.msgCreated.length;
  }

  conversationId(index: number): string {
    return this.conversationIds.make(Math.floor(this.at(this.convCreated, index) / US_PER_SECOND), index);
  }

  messageId(index: number): string {
    return this.messageIds.make(Math.floor(this.at(this.msgCreated, index) / US_PER_SECOND), index);
  }

  conversationIndex(id: string): number | null {
    const index = this.conversationIds.indexOf(id);
    return index !== null && index < this.conversationCount && this.conversationId(index) === id ? index : null;
  }

  version(conversation: number): number {
    return this.convVersion.get(conversation) ?? 0;
  }

  timestamp(kind: OrderKind, index: number): number {
    switch (kind) {
      case 'conversations-updated':
        return this.at(this.convUpdated, index);
      case 'conversations-created':
        return this.at(this.convCreated, index);
      case 'messages-created':
        return this.at(this.msgCreated, index);
    }
  }

  /** All indices of one order whose timestamp is >= fromUs, in API order. */
  indicesFrom(kind: OrderKind, fromUs: number): number[] {
    const order = this.orders[kind];
    return Array.from(order.subarray(this.lowerBound(kind, fromUs)));
  }

  /** One page of the window `sinceUs <= ts < toUs`. */
  page(kind: OrderKind, sinceUs: number, toUs: number, pageSize: number): WindowPage {
    const order = this.orders[kind];
    const lo = this.lowerBound(kind, sinceUs);
    const hi = Math.max(lo, this.lowerBound(kind, toUs));
    const end = Math.min(lo + pageSize, hi);
    return { indices: Array.from(order.subarray(lo, end)), more: end < hi };
  }

  /** Same as page() restricted to one conversation's messages (stored contiguously and in order). */
  conversationMessagesPage(conversation: number, sinceUs: number, toUs: number, pageSize: number): WindowPage {
    const start = this.at(this.convMessageStart, conversation);
    const count = this.at(this.convMessageCount, conversation);
    const matching: number[] = [];
    for (let i = start; i < start + count; i++) {
      const ts = this.at(this.msgCreated, i);
      if (ts >= sinceUs && ts < toUs) matching.push(i);
    }
    return { indices: matching.slice(0, pageSize), more: matching.length > pageSize };
  }

  /**
   * Applies updates and creations at `nowUs`. Targets are drawn from a PRNG keyed by the seed and
   * the number of earlier mutate() calls, so the same sequence of calls gives the same result.
   */
  mutate(nowUs: number, update: number, create: number): { updated: number[]; created: number[] } {
    const rng = new Rng(hash32(this.seedWords[0], this.seedWords[1], TAG_MUTATE, this.mutations++));
    const existing = this.conversationCount;
    const updated = pickDistinct(rng, existing, Math.min(update, existing));
    const counts = Array.from({ length: create }, () => Math.max(1, messageCount(rng, this.config.messagesPerConversation)));
    // Checked before anything changes, so that a refused mutation leaves the data as it was.
    this.checkCapacity(existing + create, this.messageCount + counts.reduce((a, b) => a + b, 0));
    for (const c of updated) {
      this.convVersion.set(c, this.version(c) + 1);
      this.convUpdated[c] = Math.max(this.at(this.convUpdated, c), nowUs);
    }
    const created: number[] = [];
    const newMessages: number[] = [];
    counts.forEach((count, j) => {
      const c = existing + j;
      created.push(c);
      this.convCreated.push(nowUs);
      this.convUpdated.push(nowUs);
      this.convMessageStart.push(this.msgCreated.length);
      this.convMessageCount.push(count);
      for (let k = 0; k < count; k++) {
        newMessages.push(this.msgCreated.length);
        this.msgCreated.push(nowUs);
        this.msgConversation.push(c);
      }
    });
    const moved = new Set([...updated, ...created]);
    this.orders['conversations-updated'] = this.merged('conversations-updated', (i) => !moved.has(i), [...moved]);
    this.orders['conversations-created'] = this.merged('conversations-created', () => true, created);
    this.orders['messages-created'] = this.merged('messages-created', () => true, newMessages);
    const byApiOrder = this.comparator('conversations-updated');
    return { updated: [...updated].sort(byApiOrder), created };
  }

  private at(column: readonly number[], index: number): number {
    const value = column[index];
    if (value === undefined) throw new RangeError(`record index ${index} out of range`);
    return value;
  }

  private checkCapacity(conversations = this.conversationCount, messages = this.messageCount): void {
    if (conversations > this.conversationIds.capacity || messages > this.messageIds.capacity) {
      throw new RangeError(
        `too many records for 3-byte id counters (max ${this.conversationIds.capacity} conversations, ${this.messageIds.capacity} messages)`,
      );
    }
  }

  private generate(rng: Rng): void {
    const { conversations, historyDays, anchorUs, messagesPerConversation } = this.config;
    const spanUs = Math.floor(historyDays * US_PER_DAY);
    const starts = new Float64Array(conversations);
    for (let i = 0; i < conversations; i++) starts[i] = anchorUs - 1 - Math.floor(rng.float53() * spanUs);
    // Index order = creation order, so the id counters grow with time as ObjectIds do.
    starts.sort();
    for (let c = 0; c < conversations; c++) {
      let created = starts[c] ?? anchorUs - 1;
      if (rng.chance(0.05)) created = floorToSecondUs(created);
      // Chats last from ~20 s to ~40 min of bot activity.
      const activeUs = Math.floor(Math.exp(Math.log(20e6) + rng.float() * (Math.log(2400e6) - Math.log(20e6))));
      const end = Math.min(created + activeUs, anchorUs - 1);
      const count = messageCount(rng, messagesPerConversation);
      const times: number[] = [];
      if (count > 0) {
        const first = created + Math.floor(rng.float() * Math.min(2 * US_PER_SECOND, end - created));
        times.push(first);
        for (let k = 1; k < count; k++) times.push(first + Math.floor(rng.float53() * (end - first + 1)));
        for (let k = 0; k < count; k++) {
          const t = times[k] ?? first;
          if (rng.chance(0.05) && floorToSecondUs(t) >= created) times[k] = floorToSecondUs(t);
        }
        times.sort((a, b) => a - b);
      }
      const lastMessage = times[times.length - 1] ?? created;
      // date_updated keeps moving after the chat ends: CSAT answers, classification, agent notes.
      let updated = end + (rng.chance(0.3) ? Math.floor(rng.float53() * 3 * US_PER_DAY) : Math.floor(rng.float() * 60 * US_PER_SECOND));
      if (updated >= anchorUs) updated = end + Math.floor(rng.float() * (anchorUs - end));
      updated = Math.max(updated, lastMessage);
      if (rng.chance(0.05) && floorToSecondUs(updated) >= lastMessage) updated = floorToSecondUs(updated);
      this.convCreated.push(created);
      this.convUpdated.push(updated);
      this.convMessageStart.push(this.msgCreated.length);
      this.convMessageCount.push(count);
      for (const t of times) {
        this.msgCreated.push(t);
        this.msgConversation.push(c);
      }
    }
  }

  /**
   * Tie groups: runs of records that are neighbours in one order are snapped to a single instant,
   * like a bulk import or a reclassification job would stamp them. Snapping a run of neighbours
   * (not random records) keeps every record's order relative to the rest, and the direction keeps
   * the invariants: messages and updates only move later (to the run's last instant, then the
   * parent's date_updated is raised to cover them), creations only move earlier.
   */
  private makeAllTies(rng: Rng): void {
    const groups = this.config.tieGroups;
    if (groups <= 0) return;
    // Keep clusters inside the queryable year even when the history is longer.
    const fromUs = this.config.anchorUs - Math.min(this.config.historyDays, 300) * US_PER_DAY;
    const messageOrder = this.sortedOrder('messages-created', this.messageCount);
    makeTies(messageOrder, this.msgCreated, groups, fromUs, rng, 'last', (m, t) => {
      const c = this.at(this.msgConversation, m);
      this.convUpdated[c] = Math.max(this.at(this.convUpdated, c), t);
    });
    const updatedOrder = this.sortedOrder('conversations-updated', this.conversationCount);
    makeTies(updatedOrder, this.convUpdated, groups, fromUs, rng, 'last');
    const createdOrder = this.sortedOrder('conversations-created', this.conversationCount);
    makeTies(createdOrder, this.convCreated, groups, fromUs, rng, 'first');
  }

  private comparator(kind: OrderKind): (a: number, b: number) => number {
    switch (kind) {
      case 'conversations-updated': {
        const updated = this.convUpdated;
        const created = this.convCreated;
        // Ties on date_updated fall back to _id, whose leading part is the creation second.
        return (a, b) =>
          (updated[a] ?? 0) - (updated[b] ?? 0) ||
          Math.floor((created[a] ?? 0) / US_PER_SECOND) - Math.floor((created[b] ?? 0) / US_PER_SECOND) ||
          a - b;
      }
      case 'conversations-created': {
        const created = this.convCreated;
        return (a, b) => (created[a] ?? 0) - (created[b] ?? 0) || a - b;
      }
      case 'messages-created': {
        const created = this.msgCreated;
        return (a, b) => (created[a] ?? 0) - (created[b] ?? 0) || a - b;
      }
    }
  }

  private sortedOrder(kind: OrderKind, length: number): Uint32Array {
    const order = new Uint32Array(length);
    for (let i = 0; i < length; i++) order[i] = i;
    return order.sort(this.comparator(kind));
  }

  /** Rebuilds one order after a mutation in O(n): keep the untouched, merge in the re-sorted moved. */
  private merged(kind: OrderKind, keep: (index: number) => boolean, added: number[]): Uint32Array {
    const cmp = this.comparator(kind);
    const old = this.orders[kind];
    const extra = [...added].sort(cmp);
    const out = new Uint32Array(this.lengthOf(kind));
    let o = 0;
    let e = 0;
    let w = 0;
    while (o < old.length || e < extra.length) {
      const a = old[o];
      if (a !== undefined && !keep(a)) {
        o++;
        continue;
      }
      const b = extra[e];
      if (b === undefined || (a !== undefined && cmp(a, b) <= 0)) {
        out[w++] = a ?? 0;
        o++;
      } else {
        out[w++] = b;
        e++;
      }
    }
    if (w !== out.length) throw new Error(`order ${kind} lost records while merging`);
    return out;
  }

  private lengthOf(kind: OrderKind): number {
    return kind === 'messages-created' ? this.messageCount : this.conversationCount;
  }

  private lowerBound(kind: OrderKind, us: number): number {
    const order = this.orders[kind];
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamp(kind, order[mid] ?? 0) < us) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Average `avg` messages: uniform on 1..2·avg−1, so a conversation always has some when avg >= 1. */
function messageCount(rng: Rng, avg: number): number {
  if (avg <= 0) return 0;
  if (avg < 1) return rng.chance(avg) ? 1 : 0;
  return rng.int(1, Math.max(1, Math.round(2 * avg - 1)));
}

/** Floyd's sampling: k distinct integers below n, in a deterministic order. */
function pickDistinct(rng: Rng, n: number, k: number): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(0, j);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}

/** Upper bound on one cluster, so that a page of 10,000 can still get past the largest. */
const MAX_TIE = 2_000;
/** Page-edge clusters must beat the smallest page size (100). */
const MIN_TIE = 101;

/**
 * Snaps `groups` runs of neighbours in `order` (restricted to ts >= fromUs) to one timestamp each.
 * Runs sit in separate equal segments so they never overlap; together they use at most 60% of the
 * candidates, which is why small datasets get clusters of fewer than 101 records.
 */
function makeTies(
  order: Uint32Array,
  ts: number[],
  groups: number,
  fromUs: number,
  rng: Rng,
  snapTo: 'first' | 'last',
  onSnap?: (index: number, us: number) => void,
): void {
  let first = 0;
  while (first < order.length && (ts[order[first] ?? 0] ?? 0) < fromUs) first++;
  const candidates = order.length - first;
  const segment = Math.floor(candidates / groups);
  const budget = Math.floor((candidates * 0.6) / groups);
  if (budget < 2) return;
  for (let g = 0; g < groups; g++) {
    const wanted = MIN_TIE + Math.floor(rng.float() * (1 + Math.min(MAX_TIE - MIN_TIE, Math.floor(candidates * 0.04))));
    const size = Math.min(wanted, budget);
    const start = first + g * segment + Math.floor(rng.float() * (segment - size + 1));
    const anchorIndex = order[snapTo === 'first' ? start : start + size - 1] ?? 0;
    const t = ts[anchorIndex] ?? 0;
    for (let p = start; p < start + size; p++) {
      const index = order[p] ?? 0;
      ts[index] = t;
      onSnap?.(index, t);
    }
  }
}

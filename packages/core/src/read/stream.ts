import { type SyncMode } from '../generated/protocol.js';
import { type StreamDefinition, type StreamReadContext } from '../source.js';
import { floorToSecond, formatDuration, formatSecond } from '../time.js';
import { type StreamCursor } from './cursor.js';
import { PagePositionCursor, parsePagePosition, type ListPartition } from './page-position-cursor.js';
import { type PageFetcher } from './page.js';
import { readPartitions, type ReadPace } from './reader.js';
import { recordCursorOf, recordKeyOf } from './record-key.js';
import { WindowCursor, type PageOrder } from './window-cursor.js';
import { parseCheckpoint, type StreamCheckpoint } from './window-state.js';
import { planWindows, type ReadPlan, type Window } from './windows.js';

type Row = Record<string, unknown>;

/** Requests made and time spent waiting on rate limits, for progress lines. */
export type RequestStats = () => { requests: number; rateLimitWaitMs: number };

interface StreamBasics {
  name: string;
  jsonSchema: Record<string, unknown>;
  primaryKey: string[][];
  stats?: RequestStats;
  /** How many partitions to read at once right now (see ReadControl.target); default: as many as allowed. */
  target?: (pace: ReadPace) => number;
}

/** The time range a windowed stream reads, and the API's rules for windows. */
export interface WindowRange {
  /** Where a stream without a checkpoint starts. */
  startMs: number;
  /** Exclusive upper bound of the read (end_date, or the moment the read starts). */
  endMs: number;
  /** Incremental reads re-read this much before their checkpoint, to catch late arrivals. */
  lookbackMs: number;
  /** The oldest lower bound the API accepts (its retention limit, with a margin). */
  floorMs: number;
  /** Why the floor exists, for the clamp warning (e.g. "the 12 months Ada keeps"). */
  floorReason: string;
  /** The longest window the API accepts. */
  windowMs: number;
  /** What the end is, for warnings: e.g. "Ada's clock". */
  endName: string;
}

/** A stream read in time windows on a timestamp cursor: incremental and full refresh. */
export interface WindowedStreamSpec<R extends object> extends StreamBasics {
  cursorField: keyof R & string;
  /** Resolved when the read starts: its end is the API's "now", which may take a request to learn. */
  range: () => Promise<WindowRange>;
  order: PageOrder;
  /** Windows read at the same time, at most. */
  concurrency: number;
  fetcher: PageFetcher<R, Window>;
}

/** A list read whole every time (full refresh), checkpointing its page position. */
export interface ListStreamSpec<R extends object, P> extends StreamBasics {
  /** Default: one partition, read without parameters. */
  partitions?: ListPartition<P>[];
  fetcher: PageFetcher<R, P>;
}

const PROGRESS_EVERY_MS = 2000;
const SINGLE: ListPartition<undefined>[] = [{ key: 'all', value: undefined }];

export function windowedStream<R extends object>(spec: WindowedStreamSpec<R>): StreamDefinition {
  const keyOf = recordKeyOf(spec.name, spec.primaryKey) as (record: R) => string;
  const cursorOf = recordCursorOf(spec.name, spec.cursorField, keyOf as (record: Row) => string) as (record: R) => string;
  // A full refresh reads the whole range whatever the state says: only incremental reads resume.
  const stateOf = (state: unknown, mode: SyncMode, stateSource: string) =>
    mode === 'incremental' ? parseCheckpoint(state, spec.name, stateSource) : undefined;
  return {
    name: spec.name,
    jsonSchema: spec.jsonSchema,
    primaryKey: spec.primaryKey,
    syncModes: ['full_refresh', 'incremental'],
    cursorField: spec.cursorField,
    checkState: (state, mode, stateSource) => void stateOf(state, mode, stateSource),
    read: async (ctx) => {
      const range = await spec.range();
      const saved = stateOf(ctx.state, ctx.syncMode, ctx.stateSource);
      const warning = laterThanEnd(saved, range);
      if (warning) ctx.out.warn(`${spec.name}: ${warning}`);
      // A cursor in the API's future is taken back to the API's now: from there on, what the API
      // stores is read again; later, it would be skipped until the API's clock caught up.
      const previous = saved && Date.parse(saved.cursor) > range.endMs ? { cursor: formatSecond(floorToSecond(range.endMs)) } : saved;
      const lookbackMs = range.lookbackMs;
      const plan = planWindows({ ...range, lookbackMs, checkpoint: previous });
      if (plan.clampedFrom) {
        ctx.out.warn(`${spec.name}: start ${plan.clampedFrom} is older than ${range.floorReason}; reading from ${plan.start} instead.`);
      }
      ctx.out.info(
        `${spec.name}: ${ctx.syncMode} read of ${describePlan(plan)}` +
          (previous ? ` from state cursor ${previous.cursor} with ${lookbackMs / 60_000} min lookback` : '') +
          '.',
      );
      const cursor = new WindowCursor<R>({ plan, previous, order: spec.order, keyOf, cursorOf, concurrency: spec.concurrency });
      await run(ctx, spec, spec.fetcher, cursor);
    },
  };
}

export function listStream<R extends object, P = undefined>(spec: ListStreamSpec<R, P>): StreamDefinition {
  const partitions = (spec.partitions ?? SINGLE) as ListPartition<unknown>[];
  const keys = partitions.map((p) => p.key);
  const keyOf = recordKeyOf(spec.name, spec.primaryKey) as (record: R) => string;
  const stateOf = (state: unknown, stateSource: string) => parsePagePosition(state, spec.name, keys, stateSource);
  return {
    name: spec.name,
    jsonSchema: spec.jsonSchema,
    primaryKey: spec.primaryKey,
    syncModes: ['full_refresh'],
    checkState: (state, _mode, stateSource) => void stateOf(state, stateSource),
    read: async (ctx) => {
      const position = stateOf(ctx.state, ctx.stateSource);
      ctx.out.info(
        `${spec.name}: full_refresh read` +
          (position && 'partition' in position ? `, resuming at ${position.partition}${position.next_page ? ' from a saved page' : ''}` : '') +
          '.',
      );
      const cursor = new PagePositionCursor<R>(partitions, position, keyOf);
      await run(ctx, spec, spec.fetcher as PageFetcher<R, unknown>, cursor);
    },
  };
}

/**
 * A start or a saved cursor later than the end of the read (the API's "now") is said out loud: a
 * cursor in the future was saved by a read whose clock ran ahead, and whatever the API stored
 * between that read's real end and the cursor was never asked for.
 */
function laterThanEnd(saved: StreamCheckpoint | undefined, range: WindowRange): string | undefined {
  const end = formatSecond(floorToSecond(range.endMs));
  if (saved) {
    if (Date.parse(saved.cursor) <= range.endMs) return undefined;
    return (
      `the saved cursor ${saved.cursor} is later than ${range.endName} (${end}): it was probably saved by a read whose clock ran ahead. ` +
      `Reading from ${end} on; records stored before it may have been missed, which a full refresh recovers.`
    );
  }
  if (range.startMs <= range.endMs) return undefined;
  return `start ${formatSecond(floorToSecond(range.startMs))} is later than ${range.endName} (${end}): there is nothing to read yet.`;
}

function describePlan(plan: ReadPlan): string {
  if (plan.windows.length === 0) return `nothing (start ${plan.start} is not before the end of the read)`;
  return `${plan.windows[0]!.since} to ${plan.windows[plan.windows.length - 1]!.to} in ${plan.windows.length} window(s)`;
}

/**
 * Speaks the protocol for one stream's read: RECORD and per-stream STATE messages, RUNNING once
 * data flows, progress lines, and a closing line with the totals.
 */
async function run<R, P>(ctx: StreamReadContext, spec: StreamBasics, fetcher: PageFetcher<R, P>, cursor: StreamCursor<R, P>): Promise<void> {
  const { out } = ctx;
  const name = spec.name;
  const started = Date.now();
  let running = false;
  let lastProgress = 0;
  let total = 0;
  const progress = (force: boolean): void => {
    const now = Date.now();
    if (!spec.stats || (!force && now - lastProgress < PROGRESS_EVERY_MS)) return;
    lastProgress = now;
    const s = spec.stats();
    out.info(`progress ${JSON.stringify({ stream: name, records: total, requests: s.requests, rate_limit_wait_ms: s.rateLimitWaitMs })}`);
  };
  await readPartitions(name, fetcher, cursor, {
    emit: (records) => {
      const emittedAt = Date.now();
      for (const record of records) out.record(name, record, emittedAt);
      total += records.length;
    },
    checkpoint: (state, recordCount) =>
      out.state({
        type: 'STREAM',
        stream: { stream_descriptor: { name }, stream_state: { ...state } },
        sourceStats: { recordCount },
      }),
    pageDone: async () => {
      if (!running) {
        running = true;
        out.streamStatus(name, 'RUNNING');
      }
      progress(false);
      await out.flush();
    },
    warn: (message) => out.warn(message),
  }, spec.target ? { target: spec.target } : {});
  progress(true);
  const s = spec.stats?.();
  out.info(
    `${name}: ${total} records in ${formatDuration(Date.now() - started)}` +
      (s ? `, ${s.requests} requests, ${formatDuration(s.rateLimitWaitMs)} waiting on rate limits` : '') +
      '.',
  );
}

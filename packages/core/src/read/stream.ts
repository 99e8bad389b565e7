import { type StreamReadContext } from '../source.js';
import { formatDuration } from '../time.js';
import { planWindows } from './plan.js';
import { readWindows, type PagedSource } from './reader.js';
import { parseCheckpoint, type StreamCheckpoint } from './state.js';

export interface IncrementalStreamOptions<R> {
  source: PagedSource<R>;
  startMs: number;
  endMs: number;
  lookbackMs: number;
  floorMs: number;
  windowMs: number;
  /** Why the floor exists, for the clamp warning (e.g. "Ada keeps 12 months"). */
  floorReason: string;
  /** Requests made and time spent waiting on rate limits, for progress lines. */
  stats?: () => { requests: number; rateLimitWaitMs: number };
  /** Emitted data for a record (the record itself by default). */
  toData?: (record: R) => unknown;
  /** Windows read at the same time (default 1). */
  concurrency?: number;
}

const PROGRESS_EVERY_MS = 2000;

/**
 * Runs one stream through the incremental state machine and speaks the protocol for it: RECORD
 * and per-stream STATE messages, RUNNING once data flows, INFO/WARN logs and progress lines.
 * Full refresh reads the whole range and ignores incoming state, but still checkpoints.
 */
export async function runIncrementalStream<R>(ctx: StreamReadContext, opts: IncrementalStreamOptions<R>): Promise<void> {
  const { out } = ctx;
  const name = opts.source.stream;
  const previous: StreamCheckpoint | undefined =
    ctx.syncMode === 'incremental' ? parseCheckpoint(ctx.state, name, ctx.stateSource) : undefined;
  const plan = planWindows({ ...opts, checkpoint: previous });
  if (plan.clampedFrom) {
    out.warn(`${name}: start ${plan.clampedFrom} is older than ${opts.floorReason}; reading from ${plan.start} instead.`);
  }
  const range = plan.windows.length
    ? `${plan.windows[0]!.since} to ${plan.windows[plan.windows.length - 1]!.to} in ${plan.windows.length} window(s)`
    : `nothing (start ${plan.start} is not before the end of the read)`;
  out.info(
    `${name}: ${ctx.syncMode} read of ${range}` +
      (previous ? ` from state cursor ${previous.cursor} with ${opts.lookbackMs / 60_000} min lookback` : '') +
      '.',
  );

  const started = Date.now();
  let running = false;
  let lastProgress = 0;
  const toData = opts.toData ?? ((r: R) => r);
  const progress = (force: boolean): void => {
    const now = Date.now();
    if (!opts.stats || (!force && now - lastProgress < PROGRESS_EVERY_MS)) return;
    lastProgress = now;
    const s = opts.stats();
    out.info(`progress ${JSON.stringify({ stream: name, records: total, requests: s.requests, rate_limit_wait_ms: s.rateLimitWaitMs })}`);
  };
  let total = 0;
  total = await readWindows(opts.source, plan, previous, {
    emit: (records) => {
      const emittedAt = Date.now();
      for (const record of records) out.record(name, toData(record), emittedAt);
      total += records.length;
    },
    checkpoint: (checkpoint, recordCount) =>
      out.state({
        type: 'STREAM',
        stream: { stream_descriptor: { name }, stream_state: { ...checkpoint } },
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
  }, { concurrency: opts.concurrency ?? 1 });
  progress(true);
  const s = opts.stats?.();
  out.info(
    `${name}: ${total} records in ${formatDuration(Date.now() - started)}` +
      (s ? `, ${s.requests} requests, ${formatDuration(s.rateLimitWaitMs)} waiting on rate limits` : '') +
      '.',
  );
}

import type { StreamResult } from './destinations/types.js';

/** What we observe of one stream while it is read: the live display and the summary both use it. */
export class StreamCounters {
  readonly stream: string;
  records = 0;
  requests: number | undefined;
  rateLimitWaitMs: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE' | undefined;
  estimate: number | undefined;
  /** The source's last warning or error that named this stream: why it was skipped, if it was. */
  lastWarning: string | undefined;

  constructor(stream: string) {
    this.stream = stream;
  }

  touch(now = Date.now()): void {
    this.startedAt ??= now;
    this.endedAt = now;
  }

  get durationMs(): number {
    return this.startedAt === undefined ? 0 : (this.endedAt ?? this.startedAt) - this.startedAt;
  }

  recordsPerSecond(now = Date.now()): number {
    if (this.startedAt === undefined) return 0;
    const end = this.status === 'COMPLETE' || this.status === 'INCOMPLETE' ? (this.endedAt ?? now) : now;
    const seconds = (end - this.startedAt) / 1000;
    return seconds > 0 ? this.records / seconds : 0;
  }
}

export type SyncStatus = 'succeeded' | 'failed' | 'interrupted';

/**
 * complete: the source finished the stream and everything it read is committed. skipped: the source
 * ended it unfinished without failing the sync (e.g. an API the account does not have); its table and
 * state were left as they were. incomplete: the sync failed or was stopped before the stream finished.
 */
export type StreamOutcome = 'complete' | 'skipped' | 'incomplete';

export interface StreamSummary {
  stream: string;
  status: StreamOutcome;
  /** For a skipped stream, the source's reason where it logged one. */
  reason?: string;
  records_read: number;
  records_committed: number;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  duration_ms: number;
  requests: number | null;
  rate_limit_wait_ms: number | null;
}

export interface SyncSummary {
  status: SyncStatus;
  destination: string;
  mode: 'incremental' | 'full_refresh';
  duration_ms: number;
  streams: StreamSummary[];
  error?: string;
}

export function buildStreamSummaries(
  streams: readonly string[],
  counters: ReadonlyMap<string, StreamCounters>,
  results: readonly StreamResult[],
  outcome: { completed: ReadonlySet<string>; failed: boolean },
): StreamSummary[] {
  const byStream = new Map(results.map((r) => [r.stream, r]));
  return streams.map((stream) => {
    const c = counters.get(stream);
    const r = byStream.get(stream);
    const status: StreamOutcome = outcome.completed.has(stream) ? 'complete' : outcome.failed ? 'incomplete' : 'skipped';
    return {
      stream,
      status,
      ...(status === 'skipped' && c?.lastWarning ? { reason: c.lastWarning } : {}),
      records_read: c?.records ?? 0,
      records_committed: r?.recordsCommitted ?? 0,
      inserted: r ? r.inserted : 0,
      updated: r ? r.updated : 0,
      unchanged: r ? r.unchanged : 0,
      duration_ms: c?.durationMs ?? 0,
      requests: c?.requests ?? null,
      rate_limit_wait_ms: c?.rateLimitWaitMs ?? null,
    };
  });
}

const integer = new Intl.NumberFormat('en-US');

export function formatCount(n: number | null): string {
  return n === null ? '-' : integer.format(n);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatSummary(summary: SyncSummary): string {
  const rows = summary.streams.map((s) => [
    s.stream,
    s.status,
    formatCount(s.records_read),
    formatCount(s.inserted),
    formatCount(s.updated),
    formatCount(s.unchanged),
    formatDuration(s.duration_ms),
  ]);
  const table = formatTable(
    ['stream', 'status', 'records read', 'inserted', 'updated', 'unchanged', 'duration'],
    rows,
    new Set([2, 3, 4, 5, 6]),
  );
  const skipped = summary.streams
    .filter((s) => s.status === 'skipped')
    .map((s) => `${s.stream} was skipped by the source${s.reason ? `: ${s.reason.replace(/\.$/, '')}` : ''}.`);
  const verdict =
    summary.status === 'succeeded'
      ? `${summary.mode === 'full_refresh' ? 'Full refresh' : 'Sync'} into ${summary.destination} finished in ${formatDuration(summary.duration_ms)}.`
      : `Sync into ${summary.destination} ${summary.status === 'interrupted' ? 'was interrupted' : 'failed'} after ${formatDuration(summary.duration_ms)}; what was committed is kept and the next run resumes from there.`;
  return [table, ...skipped, verdict].join('\n');
}

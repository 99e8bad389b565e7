import { ceilToSecond, floorToSecond, formatSecond } from '../time.js';
import { type StreamCheckpoint } from './state.js';

export interface PlanInput {
  checkpoint: StreamCheckpoint | undefined;
  /** Where a stream without a checkpoint starts. */
  startMs: number;
  /** Exclusive upper bound of the read (end_date, or the moment the read starts). */
  endMs: number;
  /** Re-read this much before a checkpoint to catch late arrivals. */
  lookbackMs: number;
  /** The oldest lower bound the API accepts (its retention limit, with a margin). */
  floorMs: number;
  /** The longest window the API accepts. */
  windowMs: number;
}

export interface Window {
  since: string;
  to: string;
}

export interface ReadPlan {
  windows: Window[];
  /** The lower bound of the read; the checkpoint to report when there is nothing to read. */
  start: string;
  /** Ids already emitted at the first window's lower bound (only when resuming exactly at the checkpoint). */
  boundaryIds: string[];
  /** Set when the start had to move forward to the retention limit. */
  clampedFrom?: string;
}

/**
 * Splits [start, end) into whole-second windows no longer than the API allows: lower bounds are
 * floored and upper bounds ceiled so that rounding never drops a record, and consecutive windows
 * share an edge so that none is read twice (the upper bound is exclusive).
 */
export function planWindows(input: PlanInput): ReadPlan {
  const fromCheckpoint = input.checkpoint ? Date.parse(input.checkpoint.cursor) : undefined;
  const wanted = fromCheckpoint !== undefined ? fromCheckpoint - input.lookbackMs : input.startMs;
  let from = floorToSecond(wanted);
  // Flooring may step just below the floor without the start being too old: no warning then.
  const clampedFrom = wanted < input.floorMs ? formatSecond(from) : undefined;
  if (from < input.floorMs) from = ceilToSecond(input.floorMs);
  const end = ceilToSecond(input.endMs);
  const step = Math.max(1000, floorToSecond(input.windowMs));
  const windows: Window[] = [];
  for (let since = from; since < end; ) {
    const to = Math.min(end, since + step);
    windows.push({ since: formatSecond(since), to: formatSecond(to) });
    since = to;
  }
  const resumesExactly = input.checkpoint && fromCheckpoint === from && input.checkpoint.boundary_ids;
  return {
    windows,
    start: formatSecond(from),
    boundaryIds: resumesExactly ? [...input.checkpoint!.boundary_ids!] : [],
    ...(clampedFrom !== undefined ? { clampedFrom } : {}),
  };
}

import { ceilToSecond, floorToSecond, formatSecond } from '../time.js';
import { type StreamCheckpoint } from './window-state.js';

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

/** A window of the plan; `resume` when a checkpoint already got part of it, `done` when all of it. */
export interface PlannedWindow extends Window {
  resume?: { cursor: string; ids: string[] };
  done?: boolean;
}

export interface ReadPlan {
  windows: PlannedWindow[];
  /** The lower bound of the read; the checkpoint to report when there is nothing to read. */
  start: string;
  /** Set when the start had to move forward to the retention limit. */
  clampedFrom?: string;
}

/**
 * Splits [start, end) into whole-second windows no longer than the API allows: lower bounds are
 * floored and upper bounds ceiled so that rounding never drops a record, and consecutive windows
 * share an edge so that none is read twice (the upper bound is exclusive). A checkpoint's windows
 * read ahead keep their bounds and positions, so resuming reads only what none of them emitted.
 */
export function planWindows(input: PlanInput): ReadPlan {
  const checkpoint = input.checkpoint;
  const fromCheckpoint = checkpoint ? Date.parse(checkpoint.cursor) : undefined;
  const wanted = fromCheckpoint !== undefined ? fromCheckpoint - input.lookbackMs : input.startMs;
  let from = floorToSecond(wanted);
  // Flooring may step just below the floor without the start being too old: no warning then.
  const clampedFrom = wanted < input.floorMs ? formatSecond(from) : undefined;
  if (from < input.floorMs) from = ceilToSecond(input.floorMs);
  const end = ceilToSecond(input.endMs);
  const step = Math.max(1000, floorToSecond(input.windowMs));

  const windows: PlannedWindow[] = [];
  const fresh = (a: number, b: number): void => {
    for (let since = a; since < b; ) {
      const to = Math.min(b, since + step);
      windows.push({ since: formatSecond(since), to: formatSecond(to) });
      since = to;
    }
  };
  let pos = from;
  const aheads = [...(checkpoint?.ahead ?? [])].sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  for (const ahead of aheads) {
    const since = Date.parse(ahead.since);
    // A window before the new start (clamped away) or past the end is simply planned afresh.
    if (since < pos || since >= end) continue;
    fresh(pos, since);
    const to = Math.min(Date.parse(ahead.to), end);
    const cursor = Date.parse(ahead.cursor);
    windows.push(
      cursor >= to
        ? { since: ahead.since, to: formatSecond(to), done: true }
        : { since: ahead.since, to: formatSecond(to), resume: { cursor: ahead.cursor, ids: [...(ahead.boundary_ids ?? [])] } },
    );
    pos = to;
  }
  fresh(pos, end);

  // Resuming exactly at the checkpoint: its boundary ids are already emitted.
  const first = windows[0];
  if (first && !first.resume && !first.done && fromCheckpoint === from && checkpoint?.boundary_ids?.length) {
    first.resume = { cursor: first.since, ids: [...checkpoint.boundary_ids] };
  }
  return { windows, start: formatSecond(from), ...(clampedFrom !== undefined ? { clampedFrom } : {}) };
}

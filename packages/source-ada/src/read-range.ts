import { floorToSecond, type WindowRange } from '@ada-airbyte/core';
import { type AdaConfig } from './config.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Ada's export accepts at most 60 days between *_since and *_to. */
export const EXPORT_WINDOW_MS = 60 * DAY;
/** The audit log accepts at most 30 days between start_date and end_date. */
export const AUDIT_WINDOW_MS = 30 * DAY;
/** Stay this far inside Ada's 12 months so a request sent a little later is still accepted. */
const RETENTION_MARGIN_MS = 10 * MINUTE;

/** Ada's export keeps the last 12 months: the oldest *_since it accepts at `now`. */
export function retentionFloor(now: number): number {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.getTime() + RETENTION_MARGIN_MS;
}

export interface ReadRanges {
  export: WindowRange;
  auditLog: WindowRange;
}

/**
 * The ranges of one read, the same for every stream: from start_date (default: the 12 months Ada's
 * export keeps) to end_date or `now`, the moment the read starts by Ada's clock (not ours: a local
 * clock ahead would save cursors in Ada's future). Ada is near real time since 2026, so no lag is
 * built in; the lookback catches late arrivals.
 */
export function readRanges(config: AdaConfig, now: number): ReadRanges {
  const floorMs = retentionFloor(now);
  // The end is floored to a whole second of the past: a window ending at ceil(now) would cover an
  // instant that has not happened yet, and a record landing there after we read past it would be
  // behind the saved cursor. A past end_date is ceiled (the plan does it) so that it is inclusive of
  // its own fraction.
  const past = floorToSecond(now);
  const endMs = config.end_date ? Math.min(Date.parse(config.end_date), past) : past;
  const startMs = config.start_date ? Date.parse(config.start_date) : floorMs;
  const lookbackMs = config.lookback_window_minutes * MINUTE;
  return {
    export: { startMs, endMs, floorMs, floorReason: 'the 12 months Ada keeps', lookbackMs, windowMs: EXPORT_WINDOW_MS, endName: "Ada's clock" },
    // Ada documents no retention for the audit log: nothing to clamp to.
    auditLog: { startMs, endMs, floorMs: 0, floorReason: 'the audit log', lookbackMs, windowMs: AUDIT_WINDOW_MS, endName: "Ada's clock" },
  };
}

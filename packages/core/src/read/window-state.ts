import { ConfigError, quoteInput } from '../errors.js';
import { normalizeTimestamp } from '../time.js';

/** A window read (partly or wholly) beyond the checkpoint's cursor when the checkpoint was taken. */
export interface AheadWindow {
  since: string;
  to: string;
  /** Records of [since, cursor) and `boundary_ids` at cursor are emitted; cursor === to means done. */
  cursor: string;
  boundary_ids?: string[];
}

/**
 * A stream's checkpoint. Every record whose cursor is before `cursor` has been emitted, and so
 * have the records at `cursor`'s second listed in `boundary_ids`. Windows read concurrently make
 * progress past the cursor: `ahead` lists them with their own positions, so resuming reads only
 * what no window has emitted. The cursor itself only advances over the contiguous completed
 * prefix, which keeps it meaningful to anyone reading the state.
 */
export interface StreamCheckpoint {
  cursor: string;
  boundary_ids?: string[];
  ahead?: AheadWindow[];
}

export function parseCheckpoint(raw: unknown, stream: string, source: string): StreamCheckpoint | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0) return undefined;
  const bad = (why: string) =>
    new ConfigError(`The state for stream "${stream}" in ${source} is not valid (${why}); fix it or run without --state to start over.`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected an object');
  const { cursor, boundary_ids, ahead } = raw as Record<string, unknown>;
  const second = (value: unknown, name: string): string => {
    if (typeof value !== 'string') throw bad(`"${name}" must be an RFC 3339 timestamp string`);
    const normalized = normalizeTimestamp(value);
    if (!normalized) throw bad(`"${name}" ${quoteInput(value)} is not an RFC 3339 timestamp`);
    return normalized.slice(0, 19) + 'Z';
  };
  const ids = (value: unknown, name: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((id) => typeof id !== 'string')) throw bad(`"${name}" must be a list of strings`);
    return value.length ? (value as string[]) : undefined;
  };
  const checkpoint: StreamCheckpoint = { cursor: second(cursor, 'cursor') };
  const boundary = ids(boundary_ids, 'boundary_ids');
  if (boundary) checkpoint.boundary_ids = boundary;
  if (ahead !== undefined) {
    if (!Array.isArray(ahead)) throw bad('"ahead" must be a list of windows');
    checkpoint.ahead = ahead.map((w: unknown, i) => {
      if (w === null || typeof w !== 'object' || Array.isArray(w)) throw bad(`"ahead[${i}]" must be an object`);
      const o = w as Record<string, unknown>;
      const win: AheadWindow = { since: second(o.since, `ahead[${i}].since`), to: second(o.to, `ahead[${i}].to`), cursor: second(o.cursor, `ahead[${i}].cursor`) };
      if (!(win.since <= win.cursor && win.cursor <= win.to && win.since < win.to)) throw bad(`"ahead[${i}]" needs since <= cursor <= to`);
      const wIds = ids(o.boundary_ids, `ahead[${i}].boundary_ids`);
      if (wIds) win.boundary_ids = wIds;
      return win;
    });
    if (checkpoint.ahead.length === 0) delete checkpoint.ahead;
  }
  return checkpoint;
}

import { ConfigError } from '../errors.js';
import { normalizeTimestamp } from '../time.js';

/**
 * A stream's checkpoint. Every record whose cursor is before `cursor` has been emitted, and so
 * have the records at `cursor`'s second listed in `boundary_ids`; nothing else has. Resuming asks
 * the API for `cursor` onwards and drops `boundary_ids`. With windows read concurrently, `cursor`
 * is the position inside the earliest unfinished window: it only advances over the contiguous
 * completed prefix.
 */
export interface StreamCheckpoint {
  cursor: string;
  boundary_ids?: string[];
}

export function parseCheckpoint(raw: unknown, stream: string, source: string): StreamCheckpoint | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0) return undefined;
  const bad = (why: string) =>
    new ConfigError(`The state for stream "${stream}" in ${source} is not valid (${why}); fix it or run without --state to start over.`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected an object');
  const { cursor, boundary_ids } = raw as Record<string, unknown>;
  if (typeof cursor !== 'string') throw bad('"cursor" must be an RFC 3339 timestamp string');
  const normalized = normalizeTimestamp(cursor);
  if (!normalized) throw bad(`"cursor" ${JSON.stringify(cursor)} is not an RFC 3339 timestamp`);
  if (boundary_ids !== undefined && (!Array.isArray(boundary_ids) || boundary_ids.some((id) => typeof id !== 'string'))) {
    throw bad('"boundary_ids" must be a list of strings');
  }
  return { cursor: normalized.slice(0, 19) + 'Z', ...(boundary_ids?.length ? { boundary_ids: boundary_ids as string[] } : {}) };
}

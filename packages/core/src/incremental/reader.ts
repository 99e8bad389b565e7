import { SystemError } from '../errors.js';
import { BoundarySet } from './boundary.js';
import { type ReadPlan, type Window } from './plan.js';
import { type StreamCheckpoint } from './state.js';

export interface PageRequest {
  window: Window;
  /** The API's link to the next page; absent for a window's first page. */
  next?: string;
}

export interface PageResult<R> {
  records: R[];
  /** Link to the next page; undefined on the last page of a window. */
  next: string | undefined;
  /** The link that was requested, to detect an API that hands back the same page forever. */
  requested: string;
}

export interface PagedSource<R> {
  stream: string;
  idOf(record: R): string;
  /** The record's cursor as a normalised RFC 3339 UTC timestamp. */
  cursorOf(record: R): string;
  fetchPage(request: PageRequest): Promise<PageResult<R>>;
  /**
   * A link asking for the same page with more records, when more records share one timestamp
   * than a page holds (the API would hand back the same page forever); undefined at the API's maximum.
   */
  widen?(link: string): string | undefined;
}

export interface CheckpointSink<R> {
  emit(records: R[]): void;
  /** A checkpoint covering every record emitted so far; `recordCount` are those since the previous one. */
  checkpoint(checkpoint: StreamCheckpoint, recordCount: number): void;
  /** Called after each page, once its records and checkpoint are queued: flush, report progress. */
  pageDone(): Promise<void>;
}

/**
 * Reads a plan's windows page by page, dropping repeats by id, and checkpoints after every page.
 * A checkpoint only ever covers records already emitted, and identical checkpoints are not
 * repeated.
 */
export async function readWindows<R>(
  source: PagedSource<R>,
  plan: ReadPlan,
  previous: StreamCheckpoint | undefined,
  sink: CheckpointSink<R>,
): Promise<number> {
  let total = 0;
  let sinceCheckpoint = 0;
  let last: string | undefined;
  const checkpoint = (cp: StreamCheckpoint): void => {
    const key = JSON.stringify(cp);
    if (key === last) return;
    sink.checkpoint(cp, sinceCheckpoint);
    sinceCheckpoint = 0;
    last = key;
  };

  if (plan.windows.length === 0) {
    // Nothing to read (a state in the future, or end before start): still confirm where we are.
    checkpoint(previous ?? { cursor: plan.start });
    await sink.pageDone();
    return 0;
  }

  let boundary =
    plan.boundaryIds.length > 0
      ? new BoundarySet({ cursor: plan.windows[0]!.since, ids: plan.boundaryIds })
      : new BoundarySet();

  for (const window of plan.windows) {
    let request: PageRequest = { window };
    for (;;) {
      const page = await source.fetchPage(request);
      const fresh: R[] = [];
      for (const record of page.records) {
        const id = source.idOf(record);
        if (boundary.has(id)) continue;
        boundary.add(id, source.cursorOf(record));
        fresh.push(record);
      }
      if (fresh.length > 0) {
        sink.emit(fresh);
        total += fresh.length;
        sinceCheckpoint += fresh.length;
      }
      if (!page.next) break;
      if (fresh.length === 0 && page.next === page.requested) {
        const wider = source.widen?.(page.requested);
        if (wider !== undefined) {
          request = { window, next: wider };
          continue;
        }
        throw new SystemError(
          `The API returned the same ${source.stream} page again (${page.records.length} records, none new) for ${window.since}..${window.to}: ` +
            `more records share one timestamp than the largest page holds.`,
        );
      }
      const position = boundary.position();
      if (position) checkpoint({ cursor: position.cursor, boundary_ids: position.ids });
      await sink.pageDone();
      request = { window, next: page.next };
    }
    // The upper bound is exclusive, so nothing at or after `to` was emitted: no ids to carry.
    boundary = new BoundarySet();
    checkpoint({ cursor: window.to });
    await sink.pageDone();
  }
  return total;
}

import { SystemError } from '../errors.js';
import { BoundarySet } from './boundary.js';
import { type PlannedWindow, type ReadPlan, type Window } from './plan.js';
import { type AheadWindow, type StreamCheckpoint } from './state.js';

export interface PageRequest {
  /** The range still to read: a window, or the part of it after a resumed position. */
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

export interface ReadOptions {
  /** Windows read at the same time (pages within a window are sequential: each follows the last's link). */
  concurrency?: number;
}

/** One window's progress: everything before `position.cursor`, and `position.ids` at it, is emitted. */
interface Task {
  window: PlannedWindow;
  position: { cursor: string; ids: string[] } | undefined;
  done: boolean;
}

/**
 * Reads a plan's windows page by page, up to `concurrency` windows at once, dropping repeats by
 * id and checkpointing after every page. A checkpoint covers exactly the records emitted so far
 * (the contiguous prefix as `cursor`, windows further on as `ahead`), and identical checkpoints
 * are not repeated.
 */
export async function readWindows<R>(
  source: PagedSource<R>,
  plan: ReadPlan,
  previous: StreamCheckpoint | undefined,
  sink: CheckpointSink<R>,
  options: ReadOptions = {},
): Promise<number> {
  let total = 0;
  let sinceCheckpoint = 0;
  let last: string | undefined;
  const emitCheckpoint = (cp: StreamCheckpoint): void => {
    const key = JSON.stringify(cp);
    if (key === last) return;
    sink.checkpoint(cp, sinceCheckpoint);
    sinceCheckpoint = 0;
    last = key;
  };

  if (plan.windows.length === 0) {
    // Nothing to read (a state in the future, or end before start): still confirm where we are.
    emitCheckpoint(previous ?? { cursor: plan.start });
    await sink.pageDone();
    return 0;
  }

  const tasks: Task[] = plan.windows.map((window) => ({
    window,
    position: window.resume ? { cursor: window.resume.cursor, ids: window.resume.ids } : undefined,
    done: window.done === true,
  }));

  const checkpointNow = (): StreamCheckpoint => {
    let i = 0;
    while (i < tasks.length && tasks[i]!.done) i++;
    if (i === tasks.length) return { cursor: tasks[tasks.length - 1]!.window.to };
    const first = tasks[i]!;
    const at = first.position ?? { cursor: first.window.since, ids: [] };
    const ahead: AheadWindow[] = [];
    for (const t of tasks.slice(i + 1)) {
      if (t.done) ahead.push({ since: t.window.since, to: t.window.to, cursor: t.window.to });
      else if (t.position) {
        ahead.push({
          since: t.window.since,
          to: t.window.to,
          cursor: t.position.cursor,
          ...(t.position.ids.length ? { boundary_ids: t.position.ids } : {}),
        });
      }
    }
    return { cursor: at.cursor, ...(at.ids.length ? { boundary_ids: at.ids } : {}), ...(ahead.length ? { ahead } : {}) };
  };

  let failure: { error: unknown } | undefined;

  const readTask = async (task: Task): Promise<void> => {
    const range: Window = { since: task.position?.cursor ?? task.window.since, to: task.window.to };
    const boundary = task.position ? new BoundarySet({ cursor: task.position.cursor, ids: task.position.ids }) : new BoundarySet();
    let request: PageRequest = { window: range };
    /**
     * Emits a page's new records, or nothing once another window failed (so the last checkpoint
     * stays exact). Sync and given the page directly, so that the read loop never holds a page
     * across its awaits: a page alive while the output drains outlives young-generation GCs and
     * has to be collected by full ones.
     */
    const take = (page: PageResult<R>): { fresh: number; received: number; next: string | undefined; requested: string } | undefined => {
      if (failure) return undefined;
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
      return { fresh: fresh.length, received: page.records.length, next: page.next, requested: page.requested };
    };
    for (;;) {
      const page = take(await source.fetchPage(request));
      if (!page) return;
      if (!page.next) {
        // The upper bound is exclusive, so nothing at or after `to` was emitted: no ids to carry.
        task.done = true;
        emitCheckpoint(checkpointNow());
        await sink.pageDone();
        return;
      }
      if (page.fresh === 0 && page.next === page.requested) {
        const wider = source.widen?.(page.requested);
        if (wider === undefined) {
          throw new SystemError(
            `The API returned the same ${source.stream} page again (${page.received} records, none new) for ${range.since}..${range.to}: ` +
              `more records share one timestamp than the largest page holds.`,
          );
        }
        request = { window: range, next: wider };
        continue;
      }
      const position = boundary.position();
      if (position) task.position = position;
      emitCheckpoint(checkpointNow());
      await sink.pageDone();
      request = { window: range, next: page.next };
    }
  };

  // Workers take windows in order, so the contiguous prefix (the cursor) keeps moving.
  let nextTask = 0;
  const worker = async (): Promise<void> => {
    while (!failure && nextTask < tasks.length) {
      const task = tasks[nextTask++]!;
      if (task.done) continue;
      try {
        await readTask(task);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, tasks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  // Windows all done before this read (resumed ahead windows) still deserve a final checkpoint.
  emitCheckpoint(checkpointNow());
  await sink.pageDone();
  return total;
}

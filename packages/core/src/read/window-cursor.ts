import { BoundarySet } from './boundary.js';
import { type OpenedPartition, type PartitionProgress, type StreamCursor } from './cursor.js';
import { PreviousPageKeys } from './previous-page.js';
import { type AheadWindow, type StreamCheckpoint } from './window-state.js';
import { type PlannedWindow, type ReadPlan, type Window } from './windows.js';

/**
 * How an API orders the pages of a window:
 * - `ascending`: by the cursor, each next page restarting at the last record's second (Ada's
 *   export). A window's position moves with every page, so a checkpoint can say how far it got,
 *   and the rest of a window can be split off for another worker.
 * - `unordered`: any order (Ada's audit log runs newest first). A window counts only once finished.
 */
export type PageOrder = 'ascending' | 'unordered';

/** A window is split only if what is left of it looks like this many pages or more: each split costs a request. */
const MIN_PAGES_TO_SPLIT = 2;

/** One window's progress: everything before `position.cursor`, and `position.ids` at it, is emitted. */
interface Task {
  window: PlannedWindow;
  position: { cursor: string; ids: string[] } | undefined;
  done: boolean;
  started: boolean;
  /** `window.to` was moved back by a split after the window's first request went out. */
  narrowed: boolean;
  /**
   * What a split's estimate of the rest is made of: records emitted since the window was opened at
   * `openedAt` (ms), and the largest page received.
   */
  emitted: number;
  openedAt: number;
  pageRecords: number;
}

export interface WindowCursorOptions<R> {
  plan: ReadPlan;
  /** The incoming checkpoint, reported again when there is nothing to read. */
  previous: StreamCheckpoint | undefined;
  order: PageOrder;
  keyOf: (record: R) => string;
  /** The record's cursor, a normalised RFC 3339 UTC timestamp (ascending order only). */
  cursorOf: (record: R) => string;
  /** Windows read at the same time, at most. */
  concurrency: number;
  /** Split a window only if what is left of it looks like this many pages or more (default 2). */
  minPagesToSplit?: number;
}

/**
 * The cursor of a stream read in time windows. A checkpoint `{cursor, boundary_ids, ahead}` says:
 * every record before `cursor`, and those of `boundary_ids` at its second, has been emitted; the
 * windows in `ahead` (read concurrently, further on) got as far as their own positions. The cursor
 * only advances over the contiguous completed prefix, which keeps it meaningful to anyone reading
 * the state, and resuming from any checkpoint neither loses nor repeats a record. A window split in
 * two is two windows of the state from then on.
 */
export class WindowCursor<R> implements StreamCursor<R, Window> {
  private readonly tasks: Task[];
  readonly concurrency: number;

  constructor(private readonly opts: WindowCursorOptions<R>) {
    this.tasks = opts.plan.windows.map((window) => ({
      window: { ...window },
      position: window.resume ? { cursor: window.resume.cursor, ids: window.resume.ids } : undefined,
      done: window.done === true,
      started: false,
      narrowed: false,
      emitted: 0,
      openedAt: Number.NaN,
      pageRecords: 0,
    }));
    this.concurrency = opts.concurrency;
  }

  next(split: boolean): OpenedPartition<R, Window> | undefined {
    const task = this.tasks.find((t) => !t.done && !t.started);
    if (task) return this.open(task);
    return split && this.opts.order === 'ascending' ? this.split() : undefined;
  }

  checkpoint(): StreamCheckpoint {
    const tasks = this.tasks;
    // Nothing to read (a state in the future, or end before start): still confirm where we are.
    if (tasks.length === 0) return this.opts.previous ?? { cursor: this.opts.plan.start };
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
  }

  private open(task: Task): OpenedPartition<R, Window> {
    task.started = true;
    const ascending = this.opts.order === 'ascending';
    // An unordered window has no position inside it: it is read whole.
    const from = ascending ? task.position?.cursor : undefined;
    const since = from ?? task.window.since;
    task.openedAt = Date.parse(since);
    task.emitted = 0;
    const progress = ascending ? this.ascending(task) : this.unordered(task);
    return {
      // `to` follows a split that narrows the window.
      get partition(): Window {
        return { since, to: task.window.to };
      },
      label: `${since}..${task.window.to}`,
      progress,
      restart: () => {
        task.position = undefined;
        return this.open(task);
      },
    };
  }

  /**
   * Takes the later half of the window with the most pages left (by what it has read so far), as a
   * window of its own, when that looks worth the extra request; the window keeps the earlier half.
   */
  private split(): OpenedPartition<R, Window> | undefined {
    let best: { index: number; mid: number; pages: number } | undefined;
    this.tasks.forEach((task, index) => {
      if (task.done || !task.started || task.pageRecords === 0 || !task.position) return;
      const from = Date.parse(task.position.cursor);
      const to = Date.parse(task.window.to);
      if (from <= task.openedAt) return;
      const pages = ((task.emitted / (from - task.openedAt)) * (to - from)) / task.pageRecords;
      const mid = Math.floor((from + (to - from) / 2) / 1000) * 1000;
      if (pages >= (this.opts.minPagesToSplit ?? MIN_PAGES_TO_SPLIT) && mid > from && mid < to && (!best || pages > best.pages)) best = { index, mid, pages };
    });
    if (!best) return undefined;
    const task = this.tasks[best.index]!;
    const mid = new Date(best.mid).toISOString().slice(0, 19) + 'Z';
    const later: Task = {
      window: { since: mid, to: task.window.to },
      position: undefined,
      done: false,
      started: false,
      narrowed: false,
      emitted: 0,
      openedAt: Number.NaN,
      pageRecords: task.pageRecords,
    };
    task.window.to = mid;
    task.narrowed = true;
    this.tasks.splice(best.index + 1, 0, later);
    return this.open(later);
  }

  /** Repeats can only come from the boundary second; the position follows every page. */
  private ascending(task: Task): PartitionProgress<R> {
    const { keyOf, cursorOf } = this.opts;
    const boundary = task.position ? new BoundarySet({ cursor: task.position.cursor, ids: task.position.ids }) : new BoundarySet();
    // Set when a page brought records at or past a `to` that a split moved back: the rest is another window's.
    let passedEnd = false;
    return {
      fresh: (records) => {
        task.pageRecords = Math.max(task.pageRecords, records.length);
        const fresh: R[] = [];
        // Only a narrowed window can receive records past its end (the API bounds `to`): no check per record otherwise.
        const end = task.narrowed ? task.window.to.slice(0, 19) : undefined;
        for (const record of records) {
          const id = keyOf(record);
          if (boundary.has(id)) continue;
          const cursor = cursorOf(record);
          if (end !== undefined && cursor.slice(0, 19) >= end) {
            passedEnd = true;
            continue;
          }
          boundary.add(id, cursor);
          fresh.push(record);
        }
        task.emitted += fresh.length;
        return fresh;
      },
      advance: (next) => {
        // The upper bound is exclusive, so nothing at or after `to` was emitted: no ids to carry.
        if (next === undefined || passedEnd) {
          task.done = true;
          return true;
        }
        task.position = boundary.position() ?? task.position;
        return false;
      },
      get narrowed(): boolean {
        return task.narrowed;
      },
    };
  }

  /** No position inside a window can be trusted: only a finished window moves the checkpoint. */
  private unordered(task: Task): PartitionProgress<R> {
    const seen = new PreviousPageKeys(this.opts.keyOf);
    return {
      fresh: (records) => seen.fresh(records),
      advance: (next) => {
        if (next === undefined) task.done = true;
        return task.done;
      },
      narrowed: false,
    };
  }
}

import { BoundarySet } from './boundary.js';
import { type OpenedPartition, type PartitionProgress, type StreamCursor } from './cursor.js';
import { PreviousPageKeys } from './previous-page.js';
import { type AheadWindow, type StreamCheckpoint } from './window-state.js';
import { type PlannedWindow, type ReadPlan, type Window } from './windows.js';

/**
 * How an API orders the pages of a window:
 * - `ascending`: by the cursor, each next page restarting at the last record's second (Ada's
 *   export). A window's position moves with every page, so a checkpoint can say how far it got.
 * - `unordered`: any order (Ada's audit log runs newest first). A window counts only once finished.
 */
export type PageOrder = 'ascending' | 'unordered';

/** One window's progress: everything before `position.cursor`, and `position.ids` at it, is emitted. */
interface Task {
  window: PlannedWindow;
  position: { cursor: string; ids: string[] } | undefined;
  done: boolean;
}

export interface WindowCursorOptions<R> {
  plan: ReadPlan;
  /** The incoming checkpoint, reported again when there is nothing to read. */
  previous: StreamCheckpoint | undefined;
  order: PageOrder;
  keyOf: (record: R) => string;
  /** The record's cursor, a normalised RFC 3339 UTC timestamp (ascending order only). */
  cursorOf: (record: R) => string;
  /** Windows read at the same time. */
  concurrency: number;
}

/**
 * The cursor of a stream read in time windows. A checkpoint `{cursor, boundary_ids, ahead}` says:
 * every record before `cursor`, and those of `boundary_ids` at its second, has been emitted; the
 * windows in `ahead` (read concurrently, further on) got as far as their own positions. The cursor
 * only advances over the contiguous completed prefix, which keeps it meaningful to anyone reading
 * the state, and resuming from any checkpoint neither loses nor repeats a record.
 */
export class WindowCursor<R> implements StreamCursor<R, Window> {
  private readonly tasks: Task[];
  readonly concurrency: number;

  constructor(private readonly opts: WindowCursorOptions<R>) {
    this.tasks = opts.plan.windows.map((window) => ({
      window,
      position: window.resume ? { cursor: window.resume.cursor, ids: window.resume.ids } : undefined,
      done: window.done === true,
    }));
    this.concurrency = opts.concurrency;
  }

  get count(): number {
    return this.tasks.length;
  }

  isDone(index: number): boolean {
    return this.tasks[index]!.done;
  }

  open(index: number, fromStart = false): OpenedPartition<R, Window> {
    const task = this.tasks[index]!;
    if (fromStart) task.position = undefined;
    // An unordered window has no position inside it: it is read whole.
    const from = this.opts.order === 'ascending' ? task.position?.cursor : undefined;
    const range: Window = { since: from ?? task.window.since, to: task.window.to };
    const progress = this.opts.order === 'ascending' ? this.ascending(task) : this.unordered(task);
    return { partition: range, progress, label: `${range.since}..${range.to}` };
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

  /** Repeats can only come from the boundary second; the position follows every page. */
  private ascending(task: Task): PartitionProgress<R> {
    const { keyOf, cursorOf } = this.opts;
    const boundary = task.position ? new BoundarySet({ cursor: task.position.cursor, ids: task.position.ids }) : new BoundarySet();
    return {
      fresh: (records) => {
        const fresh: R[] = [];
        for (const record of records) {
          const id = keyOf(record);
          if (boundary.has(id)) continue;
          boundary.add(id, cursorOf(record));
          fresh.push(record);
        }
        return fresh;
      },
      advance: (next) => {
        // The upper bound is exclusive, so nothing at or after `to` was emitted: no ids to carry.
        if (next === undefined) task.done = true;
        else task.position = boundary.position() ?? task.position;
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
      },
    };
  }
}

import { ConfigError, quoteInput } from '../errors.js';
import { type OpenedPartition, type StreamCursor } from './cursor.js';
import { PreviousPageKeys } from './previous-page.js';

/** A named partition of a list stream, e.g. `{ key: 'type=custom', value: { type: 'custom' } }`. */
export interface ListPartition<P> {
  key: string;
  value: P;
}

/** Airbyte's marker for a full refresh that finished: a read given it starts over. */
export const FULL_REFRESH_COMPLETE = '__ab_full_refresh_sync_complete';

/**
 * The state of a full refresh being read: partitions before `partition` are finished, and in it
 * every page before `next_page` has been emitted. `{"__ab_full_refresh_sync_complete": true}` once
 * the whole stream was read.
 */
export type PagePositionState = { partition: string; next_page?: string } | { [FULL_REFRESH_COMPLETE]: true };

interface Task<P> {
  partition: ListPartition<P>;
  link: string | undefined;
  done: boolean;
  started: boolean;
}

/**
 * The cursor of a full refresh: it checkpoints the page position as it goes, so a read that was
 * stopped resumes at the page it had reached. Partitions are read one at a time, so that one
 * position says everything.
 */
export class PagePositionCursor<R> implements StreamCursor<R, unknown> {
  private readonly tasks: Task<unknown>[];
  readonly concurrency = 1;

  constructor(
    partitions: readonly ListPartition<unknown>[],
    state: PagePositionState | undefined,
    private readonly keyOf: (record: R) => string,
  ) {
    this.tasks = partitions.map((partition) => ({ partition, link: undefined, done: false, started: false }));
    if (state && 'partition' in state) {
      const at = this.tasks.findIndex((t) => t.partition.key === state.partition);
      for (let i = 0; i < at; i++) this.tasks[i]!.done = true;
      if (at >= 0) this.tasks[at]!.link = state.next_page;
    }
  }

  next(): OpenedPartition<R, unknown> | undefined {
    const task = this.tasks.find((t) => !t.done && !t.started);
    return task ? this.open(task) : undefined;
  }

  checkpoint(): PagePositionState {
    const current = this.tasks.find((t) => !t.done);
    if (!current) return { [FULL_REFRESH_COMPLETE]: true };
    return { partition: current.partition.key, ...(current.link !== undefined ? { next_page: current.link } : {}) };
  }

  private open(task: Task<unknown>): OpenedPartition<R, unknown> {
    task.started = true;
    const seen = new PreviousPageKeys(this.keyOf);
    return {
      partition: task.partition.value,
      ...(task.link !== undefined ? { link: task.link } : {}),
      label: task.partition.key,
      restart: () => {
        task.link = undefined;
        return this.open(task);
      },
      progress: {
        fresh: (records) => seen.fresh(records),
        advance: (next) => {
          task.link = next;
          if (next === undefined) task.done = true;
          return task.done;
        },
        narrowed: false,
      },
    };
  }
}

/**
 * Reads a full refresh's incoming state: undefined (start over) for none or a finished one, the
 * position otherwise. A partition this stream does not have is a state written for another stream.
 */
export function parsePagePosition(raw: unknown, stream: string, partitions: readonly string[], source: string): PagePositionState | undefined {
  if (raw === undefined || raw === null) return undefined;
  const bad = (why: string) =>
    new ConfigError(`The state for stream "${stream}" in ${source} is not valid (${why}); fix it or run without --state to start over.`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected an object');
  const o = raw as Record<string, unknown>;
  if (Object.keys(o).length === 0 || o[FULL_REFRESH_COMPLETE] === true) return undefined;
  const { partition, next_page } = o;
  if (typeof partition !== 'string') throw bad('"partition" must be a string');
  if (!partitions.includes(partition)) throw bad(`"partition" ${quoteInput(partition)} is not one of ${partitions.join(', ')}`);
  if (next_page !== undefined && (typeof next_page !== 'string' || next_page === '')) throw bad('"next_page" must be a link');
  return { partition, ...(next_page !== undefined ? { next_page } : {}) };
}

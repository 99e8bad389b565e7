/** Where reading one partition starts, and the progress that follows its pages. */
export interface OpenedPartition<R, P> {
  partition: P;
  /** A saved link to resume from; undefined to start at the partition's first page. */
  link?: string;
  progress: PartitionProgress<R>;
  /** For messages: what the partition covers. */
  label: string;
}

export interface PartitionProgress<R> {
  /** The page's records that were not emitted before, now remembered as emitted. */
  fresh(records: readonly R[]): R[];
  /** The page's fresh records are emitted; `next` is the following page's link, undefined at the end. */
  advance(next: string | undefined): void;
}

/**
 * A stream's cursor: it plans the partitions from the incoming state, filters repeats, and says at
 * any moment which state covers exactly the records emitted so far.
 */
export interface StreamCursor<R, P> {
  /** Partitions in read order. */
  readonly count: number;
  /** Whether partition `index` was finished before this read started (nothing to fetch). */
  isDone(index: number): boolean;
  /** Opens partition `index` where the state left it, or at its start when `fromStart`. */
  open(index: number, fromStart?: boolean): OpenedPartition<R, P>;
  /** The stream state covering every record emitted so far. */
  checkpoint(): object;
  /** Partitions that may be read at once; a cursor whose state names one position says 1. */
  readonly concurrency: number;
}

/** A partition being read: where its pages start, and the progress that follows them. */
export interface OpenedPartition<R, P> {
  /** What to ask the API for; narrower than when opened if part of it was split off. */
  readonly partition: P;
  /** A saved link to resume from; undefined to start at the partition's first page. */
  readonly link?: string;
  /** For messages: what the partition covers. */
  readonly label: string;
  readonly progress: PartitionProgress<R>;
  /** The partition opened again at its start (the API refused the saved position). */
  restart(): OpenedPartition<R, P>;
}

export interface PartitionProgress<R> {
  /** The page's records that were not emitted before, now remembered as emitted. */
  fresh(records: readonly R[]): R[];
  /**
   * The page's fresh records are emitted; `next` is the following page's link, undefined at the
   * end. Returns true when the partition is finished (also when a split took the rest of it).
   */
  advance(next: string | undefined): boolean;
  /** Whether the partition was narrowed by a split after its first request: its links need narrowing too. */
  readonly narrowed: boolean;
}

/**
 * A stream's cursor: it plans the partitions from the incoming state, hands them out in order,
 * filters repeats, and says at any moment which state covers exactly the records emitted so far.
 */
export interface StreamCursor<R, P> {
  /** Partitions that may be read at once, at most. */
  readonly concurrency: number;
  /**
   * The next partition to read, in order; when none is left to start and `split` is allowed, part
   * of one being read (undefined if none is worth splitting).
   */
  next(split: boolean): OpenedPartition<R, P> | undefined;
  /** The stream state covering every record emitted so far. */
  checkpoint(): object;
}

/** One page as an API returned it. */
export interface Page<R> {
  records: R[];
  /** Link to the next page; undefined on the last page of a partition. */
  next: string | undefined;
  /** The link that was requested, to detect an API that hands back the same page forever. */
  requested: string;
}

/**
 * The paginator of a stream: fetches a partition's first page, then follows the API's links.
 * An API without pagination returns every page with `next` undefined.
 */
export interface PageFetcher<R, P> {
  /** `link` is undefined for a partition's first page, else a link the API gave (or a saved one). */
  fetch(partition: P, link: string | undefined): Promise<Page<R>>;
  /**
   * A link asking for the same page with more records, for an API that hands back the same page
   * forever when more records share one position than a page holds; undefined at its maximum.
   */
  widen?(link: string): string | undefined;
  /**
   * `link` with its upper bound moved to `partition`'s: a partition narrowed by a split must not
   * read into the part split off. Without it, partitions are never split.
   */
  narrow?(link: string, partition: P): string;
  /**
   * Whether a failure of a saved link means the API no longer accepts that position (a cursor whose
   * record is gone, say): the partition is then read again from its start, with a warning.
   */
  refusesPosition?(error: unknown): boolean;
}

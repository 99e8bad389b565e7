/**
 * The keys of the page emitted last. An API whose next page starts at (or, should it ever, just
 * before) the last record it sent repeats at most the previous page's records; remembering one
 * page is enough to drop those repeats, and memory stays bounded by a page, not by the stream.
 */
export class PreviousPageKeys<R> {
  private keys = new Set<string>();

  constructor(private readonly keyOf: (record: R) => string) {}

  /** The records not on the previous page; they become the previous page. */
  fresh(records: readonly R[]): R[] {
    const keys = new Set<string>();
    const fresh: R[] = [];
    for (const record of records) {
      const key = this.keyOf(record);
      if (this.keys.has(key) || keys.has(key)) continue;
      keys.add(key);
      fresh.push(record);
    }
    this.keys = keys;
    return fresh;
  }
}

/**
 * One list stream's current rows, in API order (ascending primary key, compared as strings).
 * The generated rows come from `base`, which may change under it (end users follow the
 * conversations); deletions and creations from tests are kept apart and applied on top, so a
 * regenerated base does not bring a deleted row back.
 */
export class ListTable<R extends object> {
  private readonly deleted = new Set<string>();
  private readonly created: R[] = [];
  private cache: { rows: R[]; positions: Map<string, number> } | null = null;

  constructor(
    readonly keyOf: (row: R) => string,
    private readonly base: () => readonly R[],
    /** The k-th row created after start (k = 0, 1, …), dated `atUs`. */
    private readonly make: (k: number, atUs: number) => R,
  ) {}

  /** Call when `base` may have changed. */
  invalidate(): void {
    this.cache = null;
  }

  rows(): readonly R[] {
    return this.current().rows;
  }

  /** Position in rows(), or -1. */
  indexOf(key: string): number {
    return this.current().positions.get(key) ?? -1;
  }

  /** Removes rows by key; throws, leaving the table untouched, if any key is not a current row. */
  delete(keys: readonly string[]): void {
    const missing = keys.filter((key) => this.indexOf(key) < 0);
    if (missing.length > 0) throw new RangeError(`mutateLists: no such record: ${missing.join(', ')}`);
    for (const key of keys) this.deleted.add(key);
    this.cache = null;
  }

  /** Appends `count` new rows dated `atUs`; returns their keys in API order. */
  create(count: number, atUs: number): string[] {
    const fresh = Array.from({ length: count }, (_, j) => this.make(this.created.length + j, atUs));
    const keys = fresh.map(this.keyOf);
    const clash = keys.find((key, j) => this.indexOf(key) >= 0 || keys.indexOf(key) !== j);
    if (clash !== undefined) throw new Error(`mutateLists: generated a duplicate key ${clash}`);
    this.created.push(...fresh);
    this.cache = null;
    return keys.sort(compareKeys);
  }

  private current(): { rows: R[]; positions: Map<string, number> } {
    if (this.cache === null) {
      const rows = [...this.base(), ...this.created].filter((row) => !this.deleted.has(this.keyOf(row)));
      rows.sort((a, b) => compareKeys(this.keyOf(a), this.keyOf(b)));
      this.cache = { rows, positions: new Map(rows.map((row, i) => [this.keyOf(row), i])) };
    }
    return this.cache;
  }
}

/** Code-unit order, which for Ada's ASCII ids is byte order, as a database index sorts them. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

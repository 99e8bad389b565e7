
/**
 * The ids of emitted records in the latest whole second seen. The API's lower bound is inclusive
 * and its next page restarts at the last record's second, so repeats can only come from that
 * second: remembering it is enough to drop every duplicate, and memory stays bounded by the
 * records sharing one second rather than by the size of a window.
 */
export class BoundarySet {
  /** `YYYY-MM-DDTHH:MM:SS` of the boundary second: fixed-width, so strings compare as instants. */
  private second = '';
  private readonly ids: Set<string>;

  constructor(initial?: { cursor: string; ids: readonly string[] }) {
    this.ids = new Set(initial?.ids);
    if (initial) this.second = initial.cursor.slice(0, 19);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records an emitted record; `cursor` is its normalised timestamp. */
  add(id: string, cursor: string): void {
    // Called for every record: a string slice and compare instead of parsing a date.
    const second = cursor.slice(0, 19);
    if (second > this.second) {
      this.second = second;
      // Most records open a second of their own: emptying the set in place spares an allocation
      // each. Nothing else holds it (position() copies).
      this.ids.clear();
      this.ids.add(id);
    } else {
      // Same second, or (should the API ever go back in time) an older one: remembering it only
      // makes de-duplication stricter.
      this.ids.add(id);
    }
  }

  get empty(): boolean {
    return this.ids.size === 0;
  }

  /** The checkpoint position: the boundary second and the ids emitted in it. */
  position(): { cursor: string; ids: string[] } | undefined {
    if (this.ids.size === 0) return undefined;
    return { cursor: `${this.second}Z`, ids: [...this.ids] };
  }
}

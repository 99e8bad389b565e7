/** Problems kept per stream and per step; the rest are counted, so that a broken source cannot flood a CI log. */
const MAX_PROBLEMS = 5;

/** The first few distinct problems of a stream or of the read, and how many more there were. */
export class ProblemList {
  private readonly kept: string[] = [];
  private dropped = 0;

  add(text: string): void {
    if (this.kept.includes(text)) return;
    if (this.kept.length < MAX_PROBLEMS) this.kept.push(text);
    else this.dropped++;
  }

  has(predicate: (text: string) => boolean): boolean {
    return this.kept.some(predicate);
  }

  all(): string[] {
    return this.dropped > 0 ? [...this.kept, `… and ${this.dropped} more`] : [...this.kept];
  }
}

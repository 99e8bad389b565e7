/**
 * The API server's clock, from the Date header of its responses. A read must end at the server's
 * "now", not the local one: with a local clock ahead, a saved cursor would land in the server's
 * future and the records stored meanwhile would never be asked for.
 *
 * A Date header is whole seconds, truncated, and was written before the response arrived here, so
 * each one bounds the offset from below: server now ≥ local now + (date − received). The largest
 * such bound is kept; it errs early, which only leaves a moment for the next read.
 */
export class ServerClock {
  private offsetMs: number | undefined;

  observe(dateHeader: string | string[] | undefined, receivedAtMs: number): void {
    const text = Array.isArray(dateHeader) ? dateHeader[0] : dateHeader;
    if (text === undefined) return;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return;
    const offset = date - receivedAtMs;
    if (this.offsetMs === undefined || offset > this.offsetMs) this.offsetMs = offset;
  }

  /** The server's time now, or undefined before any response carried a Date. */
  now(localNow = Date.now()): number | undefined {
    return this.offsetMs === undefined ? undefined : localNow + this.offsetMs;
  }
}

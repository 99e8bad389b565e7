/**
 * The bytes a read holds between the network and its reader: response bodies being read and parsed,
 * and output handed to stdout that its reader has not taken yet. A body is read only when there is
 * room for it, so that more requests in flight never means more pages in memory: the rest wait in
 * their sockets (TCP pushes back on the server) until the pages before them are out.
 */
export class HeldBytes {
  private bodies = 0;
  private output = 0;
  private readonly waiting: Array<{ bytes: number; admit(): void }> = [];

  /**
   * `limit`: the bytes held before a body must wait. A body larger than the limit is read alone,
   * once nothing else is held. `maxWaitMs`: a body waits no longer than this (a stalled reader of
   * stdout must not make a request time out and be sent again), then is read regardless.
   */
  constructor(
    readonly limit: number,
    private readonly maxWaitMs = 30_000,
  ) {}

  /** Output of `bytes` handed to the stream; `written` once the stream has taken it. */
  outputQueued(bytes: number): void {
    this.output += bytes;
  }

  outputWritten(bytes: number): void {
    this.output -= bytes;
    this.admitWaiting();
  }

  /** What is held now (tests read it). */
  held(): { bodies: number; output: number; waiting: number } {
    return { bodies: this.bodies, output: this.output, waiting: this.waiting.length };
  }

  /**
   * Room for a body of `bytes` (its Content-Length, or an estimate), granted after `maxWaitMs` at
   * the latest. The reservation lasts until `release` (idempotent), which also gives up one still
   * waiting.
   */
  reserve(bytes: number, maxWaitMs = this.maxWaitMs): Reservation {
    let state: 'waiting' | 'granted' | 'done' = 'waiting';
    let timer: NodeJS.Timeout | undefined;
    let resolveGranted!: () => void;
    const granted = new Promise<void>((resolve) => (resolveGranted = resolve));
    const entry = {
      bytes,
      admit: (): void => {
        if (state !== 'waiting') return;
        state = 'granted';
        if (timer) clearTimeout(timer);
        this.bodies += bytes;
        resolveGranted();
      },
    };
    const leaveQueue = (): void => {
      const at = this.waiting.indexOf(entry);
      if (at >= 0) this.waiting.splice(at, 1);
    };
    const release = (): void => {
      if (state === 'granted') {
        this.bodies -= bytes;
        state = 'done';
        this.admitWaiting();
      } else if (state === 'waiting') {
        state = 'done';
        if (timer) clearTimeout(timer);
        leaveQueue();
        resolveGranted();
      }
    };
    if (this.waiting.length === 0 && this.fits(bytes)) entry.admit();
    else {
      this.waiting.push(entry);
      timer = setTimeout(() => {
        leaveQueue();
        entry.admit();
      }, maxWaitMs);
      timer.unref();
    }
    return { granted, release };
  }

  private fits(bytes: number): boolean {
    const held = this.bodies + Math.max(0, this.output);
    return held === 0 || held + bytes <= this.limit;
  }

  /** In order of arrival: a large body is not overtaken for ever by small ones. */
  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) this.waiting.shift()!.admit();
  }
}

export interface Reservation {
  /** Resolves when the body may be read (or the reservation was given up). */
  granted: Promise<void>;
  release(): void;
}

/**
 * The process's budget: stdout and every HttpClient share it. 7 MiB lets a 10,000-message page
 * (~5 MB) be read once all but ~2 MB of the page before it is written out; a 10,000-conversation
 * page (~17 MB) is read alone, once the one before it is out. Pages of 1,000 records wait only when
 * stdout's reader falls behind. Measured against 6, 8 and 12 MiB in bench/results.md (History).
 */
export const heldBytes = new HeldBytes(7 * 1024 * 1024);

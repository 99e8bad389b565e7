import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { type StreamCounters, formatCount, formatDuration } from './summary.js';

/**
 * Progress while a sync runs: on a terminal a live line per stream, elsewhere (CI logs, pipes) a plain
 * line every few seconds, and nothing with --quiet. Everything goes to stderr so stdout stays for the
 * summary (and for --json, a single JSON object).
 */

export type ProgressMode = 'tty' | 'plain' | 'quiet';

export function progressModeFor(stream: NodeJS.WriteStream, quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY ? 'tty' : 'plain';
}

export function describeCounters(c: StreamCounters, now = Date.now()): string {
  const parts = [`${formatCount(c.records)}${c.estimate ? `/${formatCount(c.estimate)}` : ''} records`];
  parts.push(`${formatCount(Math.round(c.recordsPerSecond(now)))}/s`);
  if (c.requests !== undefined) parts.push(`${formatCount(c.requests)} requests`);
  if (c.rateLimitWaitMs) parts.push(`${formatDuration(c.rateLimitWaitMs)} waiting on rate limits`);
  if (c.status === 'COMPLETE') parts.push('done');
  return parts.join(', ');
}

export class Progress {
  private readonly mode: ProgressMode;
  private readonly out: NodeJS.WriteStream;
  private readonly counters: ReadonlyMap<string, StreamCounters>;
  private readonly intervalMs: number;
  private multibar: cliProgress.MultiBar | undefined;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(options: {
    mode: ProgressMode;
    counters: ReadonlyMap<string, StreamCounters>;
    out?: NodeJS.WriteStream;
    intervalMs?: number;
  }) {
    this.mode = options.mode;
    this.counters = options.counters;
    this.out = options.out ?? process.stderr;
    this.intervalMs = options.intervalMs ?? 5_000;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.mode === 'tty') {
      // Loaded only for a terminal, and required: an ESM import of a CommonJS package has Node lex its
      // files first, ~15 ms of every sync's start-up, for a bar most syncs (in CI, piped) never show.
      const bars = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
      this.multibar = new bars.MultiBar(
        {
          stream: this.out,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          fps: 8,
          format: (_options, _params, payload: { stream?: string }) => {
            const c = payload.stream ? this.counters.get(payload.stream) : undefined;
            return c ? `  ${c.stream.padEnd(16)} ${describeCounters(c)}` : '';
          },
        },
        bars.Presets.shades_classic,
      );
    } else if (this.mode === 'plain') {
      this.timer = setInterval(() => this.printPlain(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Called whenever a stream's counters changed. */
  update(stream: string): void {
    if (this.mode !== 'tty' || !this.multibar) return;
    let bar = this.bars.get(stream);
    if (!bar) {
      bar = this.multibar.create(0, 0, { stream });
      this.bars.set(stream, bar);
    }
    bar.update(0, { stream });
  }

  /** A line for the user (logs, warnings); printed above the live display on a terminal. */
  log(line: string): void {
    if (this.multibar) this.multibar.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.multibar) {
      for (const [stream, bar] of this.bars) bar.update(0, { stream });
      // Log lines wait for the next redraw, and stop() does not draw them: the last ones would be lost.
      this.multibar.update();
      this.multibar.stop();
      this.multibar = undefined;
    }
  }

  private printPlain(): void {
    const active = [...this.counters.values()].filter((c) => c.startedAt !== undefined);
    if (active.length === 0) return;
    this.out.write(`progress: ${active.map((c) => `${c.stream} ${describeCounters(c)}`).join('; ')}\n`);
  }
}

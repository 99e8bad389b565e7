import { isAscii } from 'node:buffer';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { nodeFlagsOf, type AirbyteCatalog, type AirbyteErrorTraceMessage, type AirbyteMessage } from '@ada-airbyte/core';
import { SourceError } from './errors.js';
import { parseLine } from './messages.js';

/**
 * Connectors run as child processes speaking the Airbyte protocol on stdout, exactly as the Airbyte
 * platform runs them. This module spawns them, parses their output and stops them.
 */

/** How far stdout is read ahead of the message handler (about 30,000 records of Ada's). */
const READ_AHEAD_BYTES = 16 * 1024 * 1024;

export interface ConnectorCommand {
  /** Executable, or with `shell` the whole command line the user gave. */
  file: string;
  args: string[];
  shell: boolean;
  /** For messages. */
  display: string;
}

/** A command line from the user (`--source-command "docker run … airbyte/source-x"`), run by the shell. */
export function commandFromString(command: string): ConnectorCommand {
  return { file: command, args: [], shell: true, display: command };
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function packageBin(packageDir: string, binName: string): string | undefined {
  const manifestPath = join(packageDir, 'package.json');
  if (!existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[binName];
    const path = resolve(packageDir, bin ?? join('bin', binName));
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * source-ada's executable: the workspace package as Node would resolve it from this file, else the
 * package's folder in this repository. Never relative to the working directory.
 */
export function resolveSourceAdaBin(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const found = packageBin(join(dir, 'node_modules', '@ada-airbyte', 'source-ada'), 'source-ada');
    if (found) return found;
    if (dirname(dir) === dir) break;
  }
  // src/ and dist/ both sit in apps/sync, two levels below the repository root.
  return packageBin(resolve(here, '..', '..', '..', 'packages', 'source-ada'), 'source-ada');
}

export function defaultSourceCommand(): ConnectorCommand {
  const bin = resolveSourceAdaBin();
  if (!bin) {
    throw new SourceError(
      'cannot find source-ada (the @ada-airbyte/source-ada package); run `pnpm install && pnpm build`, or pass --source-command',
    );
  }
  // Run with this node, and with the node flags source-ada's own first line asks for.
  return { file: process.execPath, args: [...nodeFlagsOf(bin), bin], shell: false, display: 'source-ada' };
}

/**
 * The chunks a stream delivers, in order, read ahead up to `limit` bytes while the consumer is busy.
 * Chunks are handed over as they came: a stream's own read() would concatenate everything buffered.
 */
class ChunkQueue {
  private readonly queue: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly limit: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.bytes += chunk.length;
      if (this.bytes >= this.limit) stream.pause();
      this.notify();
    });
    stream.once('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.once('error', (error) => {
      this.failure = error;
      this.notify();
    });
  }

  /** The next chunk, or undefined at the end of the stream. */
  async next(): Promise<Buffer | undefined> {
    if (this.head < this.queue.length) await nextTurn();
    while (this.head === this.queue.length) {
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const chunk = this.queue[this.head]!;
    this.queue[this.head++] = EMPTY;
    if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.bytes -= chunk.length;
    if (this.stream.isPaused() && this.bytes < this.limit / 2) this.stream.resume();
    return chunk;
  }

  /** Stops keeping chunks; the rest is read and dropped, so the writer never blocks on a full pipe. */
  drain(): void {
    this.stream.removeAllListeners('data');
    this.queue.length = 0;
    this.head = 0;
    this.stream.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const EMPTY = Buffer.alloc(0);

/** Lines handled between two visits to the event loop (about 0.5 ms of work for Ada's records). */
const LINES_PER_TURN = 64;

/**
 * Back to the event loop, which is where the pipe is read and where the destination's finished
 * steps (a staging file written, a load done) start the next ones. A connector whose output waits
 * in a full pipe (about 200 KB) cannot finish its writes, nor go on to its next page while it
 * awaits them; a busy handler that never yields would run the two processes in turn, not side by side.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface ConnectorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ConnectorHandlers {
  /** `line`: the message as the connector wrote it; `bytes`: its UTF-8, where asked for and at hand. */
  onMessage(message: AirbyteMessage, line: string, bytes?: Buffer): Promise<void> | void;
  /** Whether onMessage wants each line's bytes (a view per line, and an ASCII check per chunk, otherwise spared). */
  withBytes?: boolean;
  /** Lines on stdout that are not protocol messages (the platform treats them as logs). */
  onText?(line: string): void;
  /** A line that starts like a message but is not JSON: only its size, as it may hold a record's data. */
  onBroken?(bytes: number): void;
  onStderr?(line: string): void;
}

/**
 * Tells every command we start our pid. One started through a shell cannot learn it from its ppid (the
 * shell lives on when we die), and a destination needs it to tell "ada-sync was killed" from "input
 * ended".
 */
export const CALLER_PID_ENV = 'ADA_SYNC_PID';

/** A running connector. */
export class ConnectorProcess {
  readonly name: string;
  readonly child: ChildProcess;
  private readonly exited: Promise<ConnectorExit>;
  private spawnError: Error | undefined;
  private exitInfo: ConnectorExit | undefined;
  /** The last TRACE ERROR the connector sent. */
  lastError: AirbyteErrorTraceMessage | undefined;
  readonly stderrTail: string[] = [];
  private killTimer: NodeJS.Timeout | undefined;
  /** Whether kill() was called: the connector's last words may be cut short. */
  private stopping = false;

  constructor(command: ConnectorCommand, args: string[], options: { name: string; stdin?: boolean; env?: NodeJS.ProcessEnv }) {
    this.name = options.name;
    const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    // Its own process group, so that stopping it also stops whatever a shell command line started.
    const env = { ...(options.env ?? process.env), [CALLER_PID_ENV]: String(process.pid) };
    this.child = command.shell
      ? spawn([command.file, ...command.args, ...args.map(shellQuote)].join(' '), { shell: true, stdio, detached: true, env })
      : spawn(command.file, [...command.args, ...args], { stdio, detached: true, env });
    this.exited = new Promise<ConnectorExit>((resolvePromise) => {
      this.child.once('error', (error) => {
        this.spawnError = error;
        resolvePromise({ code: null, signal: null });
      });
      this.child.once('close', (code, signal) => resolvePromise({ code, signal }));
    }).then((exit) => {
      this.exitInfo = exit;
      if (this.killTimer) clearTimeout(this.killTimer);
      return exit;
    });
    // Whoever started us may end: the connector must not keep our event loop alive for nothing.
    this.child.stdin?.on('error', () => undefined);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * Reads stdout to its end, one message at a time; a handler that returns a promise is awaited before
   * the next message. Up to READ_AHEAD_BYTES are read ahead meanwhile, so that the connector keeps
   * working while a handler waits (a destination commit); past that, backpressure stops it.
   */
  async consume(handlers: ConnectorHandlers): Promise<void> {
    const stderr = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    stderr.on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      handlers.onStderr?.(line);
    });
    const stdout = this.child.stdout!;
    const chunks = new ChunkQueue(stdout, READ_AHEAD_BYTES);
    const decoder = new StringDecoder('utf8');
    // Pieces of a line that spans chunks; joined once at its end, so a long line costs no repeated copies.
    const partial: string[] = [];
    let lines = 0;
    try {
      for (let chunk = await chunks.next(); chunk !== undefined; chunk = await chunks.next()) {
        const text = decoder.write(chunk);
        // Where every character took one byte, a line's bytes sit at its characters' offsets.
        const oneBytePerChar = handlers.withBytes === true && text.length === chunk.length && isAscii(chunk);
        let start = 0;
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
          let line = text.slice(start, end);
          let bytes = oneBytePerChar ? chunk.subarray(start, end) : undefined;
          start = end + 1;
          if (partial.length > 0) {
            partial.push(line);
            line = partial.join('');
            partial.length = 0;
            bytes = undefined;
          }
          const pending = this.handleLine(line, handlers, bytes);
          if (pending) await pending;
          if (++lines % LINES_PER_TURN === 0) await nextTurn();
        }
        if (start < text.length) partial.push(text.slice(start));
      }
      partial.push(decoder.end());
      const last = partial.join('');
      // A line cut short because we stopped the connector is expected, and not worth a warning.
      if (last !== '' && !this.stopping) {
        const pending = this.handleLine(last, handlers);
        if (pending) await pending;
      }
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      chunks.drain();
    }
  }

  private handleLine(raw: string, handlers: ConnectorHandlers, rawBytes?: Buffer): Promise<void> | void {
    const cr = raw.endsWith('\r');
    const line = cr ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const parsed = parseLine(line);
    if (parsed.kind === 'text') {
      handlers.onText?.(line);
      return;
    }
    if (parsed.kind === 'broken') {
      handlers.onBroken?.(parsed.bytes);
      return;
    }
    if (parsed.kind === 'invalid') {
      throw new SourceError(
        `${this.name} sent a message that breaks the Airbyte protocol (${parsed.errors.slice(0, 2).join('; ')}): ${line.slice(0, 200)}`,
      );
    }
    const message = parsed.message;
    if (message.type === 'TRACE' && message.trace?.type === 'ERROR' && message.trace.error) {
      this.lastError = message.trace.error;
    }
    return handlers.onMessage(message, line, cr ? rawBytes?.subarray(0, -1) : rawBytes);
  }

  async wait(): Promise<ConnectorExit> {
    const exit = await this.exited;
    if (this.spawnError) {
      throw new SourceError(`could not start ${this.name}`, { cause: this.spawnError });
    }
    return exit;
  }

  /** SIGTERM to the whole process group, SIGKILL if it is still there after `graceMs`. */
  kill(graceMs = 5_000): void {
    if (!this.running || this.child.pid === undefined) return;
    this.stopping = true;
    const pid = this.child.pid;
    const send = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        try {
          this.child.kill(signal);
        } catch {
          // already gone
        }
      }
    };
    send('SIGTERM');
    this.killTimer ??= setTimeout(() => {
      if (this.running) send('SIGKILL');
    }, graceMs);
    this.killTimer.unref();
  }

  /** The sentence to show when the connector failed. */
  failureMessage(exit: ConnectorExit): string {
    if (this.lastError?.message) return this.lastError.message;
    const lastLine = [...this.stderrTail].reverse().find((l) => l.trim() !== '');
    const how = exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
    return `${this.name} ${how}${lastLine ? `: ${lastLine.trim()}` : ''}`;
  }
}

/** `SOURCE discover --config F` → the catalog. */
export async function discoverCatalog(
  command: ConnectorCommand,
  configPath: string,
  handlers: Omit<ConnectorHandlers, 'onMessage'> & { onMessage?: ConnectorHandlers['onMessage']; signal?: AbortSignal },
): Promise<AirbyteCatalog> {
  const proc = new ConnectorProcess(command, ['discover', '--config', configPath], { name: 'the source' });
  const stop = () => proc.kill();
  handlers.signal?.addEventListener('abort', stop, { once: true });
  let catalog: AirbyteCatalog | undefined;
  await proc.consume({
    ...handlers,
    onMessage: async (message, line) => {
      if (message.type === 'CATALOG' && message.catalog) catalog = message.catalog;
      await handlers.onMessage?.(message, line);
    },
  });
  const exit = await proc.wait();
  handlers.signal?.removeEventListener('abort', stop);
  if (handlers.signal?.aborted) return { streams: [] };
  if (exit.code !== 0 || proc.lastError) {
    throw new SourceError(proc.failureMessage(exit), { failureType: proc.lastError?.failure_type });
  }
  if (!catalog) throw new SourceError('the source finished discover without sending a catalog');
  return catalog;
}

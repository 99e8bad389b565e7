import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AirbyteCatalog, AirbyteErrorTraceMessage, AirbyteMessage } from '@ada-airbyte/core';
import { SourceError } from './errors.js';
import { parseLine } from './messages.js';

/**
 * Connectors run as child processes speaking the Airbyte protocol on stdout, exactly as the Airbyte
 * platform runs them. This module spawns them, parses their output and stops them.
 */

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
  return { file: process.execPath, args: [bin], shell: false, display: 'source-ada' };
}

export interface ConnectorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ConnectorHandlers {
  onMessage(message: AirbyteMessage): Promise<void> | void;
  /** Lines on stdout that are not protocol messages (the platform treats them as logs). */
  onText?(line: string): void;
  onStderr?(line: string): void;
}

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

  constructor(command: ConnectorCommand, args: string[], options: { name: string; stdin?: boolean; env?: NodeJS.ProcessEnv }) {
    this.name = options.name;
    const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    // Its own process group, so that stopping it also stops whatever a shell command line started.
    this.child = command.shell
      ? spawn([command.file, ...command.args, ...args.map(shellQuote)].join(' '), { shell: true, stdio, detached: true, env: options.env })
      : spawn(command.file, [...command.args, ...args], { stdio, detached: true, env: options.env });
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

  /** Reads stdout to its end, one message at a time (awaiting the handler gives backpressure). */
  async consume(handlers: ConnectorHandlers): Promise<void> {
    const stderr = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    stderr.on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      handlers.onStderr?.(line);
    });
    const stdout = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    try {
      for await (const line of stdout) {
        if (line.trim() === '') continue;
        const parsed = parseLine(line);
        if (parsed.kind === 'text') {
          handlers.onText?.(line);
          continue;
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
        await handlers.onMessage(message);
      }
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      stdout.close();
    }
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
    onMessage: async (message) => {
      if (message.type === 'CATALOG' && message.catalog) catalog = message.catalog;
      await handlers.onMessage?.(message);
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

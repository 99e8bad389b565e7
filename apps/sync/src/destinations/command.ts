import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type {
  AirbyteMessage,
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
} from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';
import { type ConnectorCommand, ConnectorProcess } from '../source-process.js';
import { makeTempDir } from '../temp-dirs.js';
import { type CloseOutcome, type Destination, type OpenOptions, type OpenResult, type StreamResult, incrementalStates, stateKey } from './types.js';

/**
 * Any Airbyte destination program (`--destination-command "CMD" --destination-config F`). We pipe
 * RECORD and STATE messages into `CMD write`; a state is stored, in our own state file, only once the
 * destination has echoed it back, which is its promise that everything before it is committed.
 */

/** Where the app keeps the states a command destination confirmed: next to its config unless told otherwise. */
export function defaultStateFile(destinationConfig: string): string {
  const path = resolve(destinationConfig);
  return join(dirname(path), `${basename(path, extname(path))}.state.json`);
}

export async function readStateFile(path: string): Promise<AirbyteStateMessage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DestinationError(`cannot read the state file ${path}`, { cause: error });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) throw new Error('expected a JSON array of state messages');
    return value as AirbyteStateMessage[];
  } catch (error) {
    throw new DestinationError(`the state file ${path} is not a JSON array of state messages; restore it or remove it to start over`, {
      cause: error,
    });
  }
}

/** Temp file, fsync, rename: a crash leaves either the old or the new file, never half of one. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

interface SentState {
  blob: string;
  records: number;
}

export class CommandDestination implements Destination {
  readonly label: string;
  private readonly command: ConnectorCommand;
  private readonly configPath: string;
  private readonly statePath: string;
  private readonly log: (line: string) => void;
  private states = new Map<string, AirbyteStateMessage>();
  private process: ConnectorProcess | undefined;
  private reading: Promise<void> | undefined;
  private tempDir: string | undefined;
  private onStateCommitted: ((state: AirbyteStateMessage) => void) | undefined;
  private saving: Promise<void> = Promise.resolve();
  private saveError: unknown;
  private readonly sent = new Map<string, SentState[]>();
  private readonly recordsSent = new Map<string, number>();
  private readonly results = new Map<string, StreamResult>();
  private readonly statusSent = new Map<string, string>();
  private streamNames: string[] = [];

  constructor(command: ConnectorCommand, configPath: string, statePath: string | undefined, log: (line: string) => void) {
    this.label = `command:${command.display}`;
    this.command = command;
    this.configPath = resolve(configPath);
    this.statePath = resolve(statePath ?? defaultStateFile(configPath));
    this.log = log;
  }

  async connect(): Promise<void> {
    const proc = new ConnectorProcess(this.command, ['check', '--config', this.configPath], { name: 'the destination' });
    let status: { status: string; message?: string } | undefined;
    await proc.consume({
      onMessage: (m) => {
        if (m.type === 'CONNECTION_STATUS' && m.connectionStatus) status = m.connectionStatus;
        if (m.type === 'LOG' && m.log) this.forwardLog(m.log.level, m.log.message);
      },
      onStderr: (line) => this.log(line),
    });
    const exit = await proc.wait().catch((error: unknown) => {
      throw new DestinationError(`could not start the destination command "${this.command.display}"`, { cause: error });
    });
    if (status?.status === 'FAILED') throw new DestinationError(status.message ?? 'the destination check failed');
    if (!status || exit.code !== 0) throw new DestinationError(proc.failureMessage(exit));
    this.states = new Map((await readStateFile(this.statePath)).map((s) => [stateKey(s), s]));
  }

  /**
   * Only incremental streams resume: the destination program keeps its own tables, so a full refresh
   * cannot be known to have its rows there, and starts over.
   */
  async open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<OpenResult> {
    this.onStateCommitted = options?.onStateCommitted;
    this.streamNames = catalog.streams.map((s) => s.stream.name);
    for (const name of this.streamNames) {
      this.results.set(name, { stream: name, recordsCommitted: 0, inserted: null, updated: null, unchanged: null });
    }
    this.tempDir = await makeTempDir('dest');
    const catalogPath = join(this.tempDir, 'catalog.json');
    await writeFileAtomic(catalogPath, JSON.stringify(catalog));
    const proc = new ConnectorProcess(this.command, ['write', '--config', this.configPath, '--catalog', catalogPath], {
      name: 'the destination',
      stdin: true,
    });
    this.process = proc;
    this.reading = proc.consume({
      onMessage: (m) => this.onOutput(m),
      onText: (line) => this.log(line),
      onStderr: (line) => this.log(line),
    });
    this.reading.catch(() => undefined); // observed in close()
    return { states: incrementalStates(this.states.values(), catalog), notices: [] };
  }

  committed(): StreamResult[] {
    return [...this.results.values()].map((r) => ({ ...r }));
  }

  async write(record: AirbyteRecordMessage): Promise<void> {
    this.recordsSent.set(record.stream, (this.recordsSent.get(record.stream) ?? 0) + 1);
    await this.send({ type: 'RECORD', record });
  }

  async state(state: AirbyteStateMessage): Promise<void> {
    const key = stateKey(state);
    const queue = this.sent.get(key) ?? [];
    queue.push({ blob: JSON.stringify(state.stream?.stream_state ?? state.global ?? state.data ?? null), records: this.recordsSent.get(key) ?? 0 });
    this.sent.set(key, queue);
    await this.send({ type: 'STATE', state });
  }

  async streamStatus(stream: string, status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE'): Promise<void> {
    this.statusSent.set(stream, status);
    await this.send({
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: { name: stream }, status } },
    });
  }

  async close(outcome: CloseOutcome): Promise<StreamResult[]> {
    const proc = this.process;
    if (!proc) return [];
    // Destinations finish a stream (e.g. swap in a full refresh) only when told it is complete.
    for (const name of this.streamNames) {
      const last = this.statusSent.get(name);
      if (last === 'COMPLETE' || last === 'INCOMPLETE') continue;
      await this.streamStatus(name, outcome.completedStreams.has(name) ? 'COMPLETE' : 'INCOMPLETE').catch(() => undefined);
    }
    proc.child.stdin?.end();
    let readError: unknown;
    await this.reading?.catch((error: unknown) => {
      readError = error;
    });
    const exit = await proc.wait();
    await this.saving;
    if (this.saveError) throw new DestinationError(`cannot write the state file ${this.statePath}`, { cause: this.saveError });
    if (readError) throw readError;
    if (exit.code !== 0) throw new DestinationError(proc.failureMessage(exit));
    for (const name of outcome.completedStreams) {
      const result = this.results.get(name);
      if (result) result.recordsCommitted = this.recordsSent.get(name) ?? 0;
    }
    return [...this.results.values()];
  }

  async dispose(): Promise<void> {
    this.process?.kill();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async send(message: AirbyteMessage): Promise<void> {
    const proc = this.process;
    const stdin = proc?.child.stdin;
    if (!proc || !stdin) throw new Error('destination is not open');
    if (!proc.running || stdin.destroyed) {
      throw new DestinationError(`the destination stopped early: ${proc.failureMessage({ code: proc.child.exitCode, signal: proc.child.signalCode })}`);
    }
    if (!stdin.write(`${JSON.stringify(message)}\n`)) {
      await new Promise<void>((resolveDrain) => {
        const done = () => {
          stdin.off('drain', done);
          proc.child.off('close', done);
          resolveDrain();
        };
        stdin.on('drain', done);
        proc.child.on('close', done);
      });
    }
  }

  private onOutput(message: AirbyteMessage): void {
    if (message.type === 'STATE' && message.state) {
      const state = message.state;
      const key = stateKey(state);
      this.states.set(key, state);
      const blob = JSON.stringify(state.stream?.stream_state ?? state.global ?? state.data ?? null);
      const queue = this.sent.get(key) ?? [];
      const index = queue.findIndex((s) => s.blob === blob);
      if (index >= 0) {
        const result = this.results.get(key);
        if (result) result.recordsCommitted = queue[index]!.records;
        queue.splice(0, index + 1);
      }
      const snapshot = JSON.stringify([...this.states.values()], null, 2);
      this.saving = this.saving
        .then(() => writeFileAtomic(this.statePath, `${snapshot}\n`))
        .catch((error: unknown) => {
          this.saveError ??= error;
        });
      this.onStateCommitted?.(state);
    } else if (message.type === 'LOG' && message.log) {
      this.forwardLog(message.log.level, message.log.message);
    } else if (message.type === 'TRACE' && message.trace?.type === 'ERROR' && message.trace.error) {
      this.log(`destination error: ${message.trace.error.message}`);
    }
  }

  private forwardLog(level: string, text: string): void {
    if (level === 'DEBUG' || level === 'TRACE') return;
    this.log(`destination ${level.toLowerCase()}: ${text}`);
  }
}

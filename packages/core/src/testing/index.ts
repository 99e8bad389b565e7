import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AirbyteMessage, AirbyteStateMessage } from '../generated/protocol.js';
import { validateMessage } from '../protocol/validate.js';

export interface ConnectorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Every stdout line, raw. */
  lines: string[];
  messages: AirbyteMessage[];
  /** Lines that were not JSON or not valid Airbyte messages, with why. */
  invalid: { line: string; errors: string[] }[];
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called for each parsed message as it arrives; may kill the child (e.g. after the Nth STATE). */
  onMessage?: (message: AirbyteMessage, child: ChildProcess) => void;
  timeoutMs?: number;
}

/**
 * Runs a connector executable and validates every stdout line against the Airbyte protocol, the
 * way a platform would read it. A test then asserts on `messages` and that `invalid` is empty.
 */
export function runConnector(command: string, args: string[], opts: RunOptions = {}): Promise<ConnectorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ConnectorRun = { code: null, signal: null, lines: [], messages: [], invalid: [], stderr: '' };
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      run.lines.push(line);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        run.invalid.push({ line, errors: ['not JSON'] });
        return;
      }
      const result = validateMessage(parsed);
      if (!result.valid) run.invalid.push({ line, errors: result.errors });
      const message = parsed as AirbyteMessage;
      run.messages.push(message);
      opts.onMessage?.(message, child);
    });
    child.on('error', reject);
    // 'close' fires after stdio ends, so every line has been seen.
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      run.code = code;
      run.signal = signal;
      resolve(run);
    });
  });
}

export function recordsOf(run: ConnectorRun, stream?: string): Record<string, unknown>[] {
  return run.messages
    .filter((m) => m.type === 'RECORD' && (!stream || m.record?.stream === stream))
    .map((m) => m.record!.data as Record<string, unknown>);
}

export function statesOf(run: ConnectorRun, stream?: string): AirbyteStateMessage[] {
  return run.messages
    .filter((m) => m.type === 'STATE' && (!stream || m.state?.stream?.stream_descriptor.name === stream))
    .map((m) => m.state!);
}

/** The last STATE per stream, as the platform would pass it to the next read (--state). */
export function lastStates(run: ConnectorRun): AirbyteStateMessage[] {
  const last = new Map<string, AirbyteStateMessage>();
  for (const state of statesOf(run)) last.set(state.stream!.stream_descriptor.name, state);
  return [...last.values()];
}

export function tracesOf(run: ConnectorRun, type: 'ERROR' | 'STREAM_STATUS') {
  return run.messages.filter((m) => m.type === 'TRACE' && m.trace?.type === type).map((m) => m.trace!);
}
export { childPids, isRunning } from './processes.js';

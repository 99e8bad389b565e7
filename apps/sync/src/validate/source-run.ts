import type { AirbyteMessage } from '@ada-airbyte/core';
import { InterruptedError, errorSentence } from '../errors.js';
import { type ConnectorCommand, type ConnectorExit, type ConnectorHandlers, ConnectorProcess } from '../source-process.js';

export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  throw new InterruptedError(reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : 'SIGINT');
}

export interface SourceRun {
  /** Why its output could not be read to the end, or why it could not start. */
  failure: string | undefined;
  /** undefined when it could not start. */
  exit: ConnectorExit | undefined;
}

/**
 * Reads a source's output to its end and waits for it to exit. Its failures are findings, returned
 * as sentences for the report; only the user's interrupt (which also stops the source) is thrown.
 */
export async function runSource(proc: ConnectorProcess, handlers: ConnectorHandlers, signal: AbortSignal | undefined): Promise<SourceRun> {
  const stop = () => proc.kill();
  signal?.addEventListener('abort', stop, { once: true });
  let failure: string | undefined;
  try {
    await proc.consume(handlers);
  } catch (error) {
    failure = errorSentence(error);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  let exit: ConnectorExit | undefined;
  try {
    exit = await proc.wait();
  } catch (error) {
    failure ??= errorSentence(error);
  }
  throwIfInterrupted(signal);
  return { failure, exit };
}

export interface Collected {
  messages: AirbyteMessage[];
  failure: string | undefined;
}

/** Runs a short command (spec, check) and keeps the messages of the given types. */
export async function collect(source: ConnectorCommand, args: string[], keep: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<Collected> {
  const proc = new ConnectorProcess(source, args, { name: 'the source' });
  const messages: AirbyteMessage[] = [];
  const onMessage = (message: AirbyteMessage) => {
    if (keep.has(message.type)) messages.push(message);
  };
  const { failure, exit } = await runSource(proc, { onMessage }, signal);
  if (failure !== undefined || exit === undefined) return { messages, failure };
  const failed = exit.code !== 0 || proc.lastError !== undefined;
  return { messages, failure: failed ? errorSentence(proc.failureMessage(exit)) : undefined };
}

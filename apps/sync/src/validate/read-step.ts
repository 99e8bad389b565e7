import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirbyteCatalog, AirbyteMessage, ConfiguredAirbyteCatalog } from '@ada-airbyte/core';
import type { ValidateFunction } from 'ajv';
import { errorSentence } from '../errors.js';
import { configureCatalog } from '../run.js';
import { type ConnectorCommand, ConnectorProcess } from '../source-process.js';
import { ReadChecks } from './read-checks.js';
import { type ReadResult, readResult } from './read-result.js';
import { runSource } from './source-run.js';

export interface ReadOptions {
  maxRecords: number;
  /** Only these streams are read (all by default). */
  streams: string[] | undefined;
  signal: AbortSignal | undefined;
}

async function withCatalogFile<T>(catalog: ConfiguredAirbyteCatalog, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ada-sync-validate-'));
  try {
    const path = join(dir, 'catalog.json');
    await writeFile(path, JSON.stringify(catalog));
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * A full refresh of every stream, stopped (the source is killed) once every stream has sent
 * `maxRecords` records or finished. A stream cut short that way is not a failure.
 */
export async function readStep(
  source: ConnectorCommand,
  configPath: string,
  discovered: { catalog: AirbyteCatalog; schemas: ReadonlyMap<string, ValidateFunction> },
  options: ReadOptions,
): Promise<ReadResult> {
  const configured = configureCatalog(discovered.catalog, { fullRefresh: true, streams: options.streams });
  const checks = new ReadChecks(configured.streams.map((s) => s.stream.name), discovered.schemas, options.maxRecords);
  return withCatalogFile(configured, async (catalogPath) => {
    const proc = new ConnectorProcess(source, ['read', '--config', configPath, '--catalog', catalogPath], { name: 'the source' });
    let stopped = false;
    let stopTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      stopped = true;
      proc.kill();
    };
    const stopWhenDone = () => {
      const delay = checks.stopDelayMs();
      if (delay === 0) stop();
      else stopTimer ??= setTimeout(stop, delay);
    };
    const onMessage = (message: AirbyteMessage) => {
      // What the source writes once it is being stopped is not judged.
      if (stopped) return;
      if (stopTimer === undefined) checks.onMessage(message);
      // While the stop waits (see stopDelayMs), only the ERROR it waits for matters.
      else if (message.type === 'TRACE' && message.trace?.type === 'ERROR') checks.onMessage(message);
      else return;
      // A source whose streams all finished is left to exit on its own, so that its exit code still counts.
      if (checks.done) stopWhenDone();
    };
    const run = await runSource(proc, { onMessage }, options.signal).finally(() => clearTimeout(stopTimer));
    const exitFailure = !stopped && run.exit && run.exit.code !== 0 ? errorSentence(proc.failureMessage(run.exit)) : undefined;
    return readResult(checks, { stopped, failure: run.failure, exitFailure, exitCode: run.exit?.code }, options.maxRecords);
  });
}

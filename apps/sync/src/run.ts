import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  AirbyteCatalog,
  AirbyteMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@ada-airbyte/core';
import { CommandDestination } from './destinations/command.js';
import { DEFAULT_DESTINATION, createDestination, parseDestinationUri } from './destinations/index.js';
import { type Destination, type StreamResult, stateKey, stripStats } from './destinations/types.js';
import { AdaSyncError, InterruptedError, SourceError, UsageError, errorSentence } from './errors.js';
import { parseProgressLog } from './messages.js';
import { Progress, type ProgressMode } from './progress.js';
import { type ConnectorCommand, ConnectorProcess, commandFromString, defaultSourceCommand, discoverCatalog } from './source-process.js';
import { StreamCounters, type SyncSummary, buildStreamSummaries } from './summary.js';

export type DestinationChoice =
  | { kind: 'uri'; uri: string }
  | { kind: 'command'; command: string; configPath: string; stateFile?: string | undefined };

export interface RunOptions {
  configPath: string;
  destination?: DestinationChoice | undefined;
  /** A command line for any Airbyte source; source-ada when absent. */
  sourceCommand?: string | undefined;
  streams?: string[] | undefined;
  fullRefresh?: boolean | undefined;
  progress: ProgressMode;
  /** Aborted with the signal's name (SIGINT, SIGTERM) to stop cleanly. */
  signal?: AbortSignal | undefined;
  /** Where logs and progress go; stderr by default. */
  out?: NodeJS.WriteStream | undefined;
}

export interface RunResult {
  summary: SyncSummary;
  /** Set when the sync did not succeed; the summary says what was kept. */
  error?: unknown;
}

/**
 * Incremental + append_dedup where the stream supports it (full_refresh + overwrite with --full-refresh
 * or where it does not), for the streams asked for.
 */
export function configureCatalog(
  catalog: AirbyteCatalog,
  options: { streams?: string[] | undefined; fullRefresh?: boolean | undefined; syncId?: number },
): ConfiguredAirbyteCatalog {
  const wanted = options.streams?.length ? options.streams : undefined;
  if (wanted) {
    const available = new Set(catalog.streams.map((s) => s.name));
    const unknown = wanted.filter((name) => !available.has(name));
    if (unknown.length > 0) {
      throw new UsageError(
        `unknown stream${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the source offers ${[...available].join(', ')}`,
      );
    }
  }
  const syncId = options.syncId ?? Math.floor(Date.now() / 1000);
  const streams: ConfiguredAirbyteStream[] = catalog.streams
    .filter((stream) => !wanted || wanted.includes(stream.name))
    .map((stream) => {
      const primaryKey = stream.source_defined_primary_key?.length ? stream.source_defined_primary_key : undefined;
      const cursor = stream.default_cursor_field?.length ? stream.default_cursor_field : undefined;
      const incremental =
        !options.fullRefresh && stream.supported_sync_modes.includes('incremental') && (cursor || stream.source_defined_cursor);
      if (incremental) {
        return {
          stream,
          sync_mode: 'incremental',
          ...(cursor ? { cursor_field: cursor } : {}),
          destination_sync_mode: primaryKey ? 'append_dedup' : 'append',
          ...(primaryKey ? { primary_key: primaryKey } : {}),
          generation_id: 0,
          minimum_generation_id: 0,
          sync_id: syncId,
        };
      }
      // A full refresh replaces the table; generation ids tell Airbyte destinations to drop older data.
      return {
        stream,
        sync_mode: 'full_refresh',
        destination_sync_mode: 'overwrite',
        ...(primaryKey ? { primary_key: primaryKey } : {}),
        generation_id: syncId,
        minimum_generation_id: syncId,
        sync_id: syncId,
      };
    });
  if (streams.length === 0) throw new UsageError('the source offers no streams to sync');
  return { streams };
}

async function readConfigFile(path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the config file ${path} is not valid JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`the config file ${path} must contain a JSON object`);
  }
}

async function makeDestination(choice: DestinationChoice, log: (line: string) => void): Promise<Destination> {
  if (choice.kind === 'command') {
    return new CommandDestination(commandFromString(choice.command), choice.configPath, choice.stateFile, log);
  }
  return createDestination(parseDestinationUri(choice.uri));
}

/**
 * Whether the destination may load records from the lines the source wrote (Destination.write):
 * source-ada's are JSON.stringify output. ADA_SYNC_RECORD_LINES=off never passes them; =on also
 * passes those of a --source-command, which must then print its records the same way.
 */
function recordLinesTrusted(customSource: boolean): boolean {
  const setting = process.env.ADA_SYNC_RECORD_LINES;
  if (setting === 'off') return false;
  return setting === 'on' || !customSource;
}

function abortReason(signal: AbortSignal | undefined): NodeJS.Signals {
  const reason: unknown = signal?.reason;
  return reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : 'SIGINT';
}

/** Runs one sync. Throws for problems found before reading starts; after that, reports them in the result. */
export async function runSync(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const out = options.out ?? process.stderr;
  const configPath = resolve(options.configPath);
  await readConfigFile(configPath);
  const choice = options.destination ?? { kind: 'uri', uri: DEFAULT_DESTINATION };
  const counters = new Map<string, StreamCounters>();
  const progress = new Progress({ mode: options.progress, counters, out });
  const log = (line: string) => progress.log(line);
  const info = (line: string) => {
    if (options.progress !== 'quiet') progress.log(line);
  };
  const source: ConnectorCommand = options.sourceCommand ? commandFromString(options.sourceCommand) : defaultSourceCommand();
  const passLines = recordLinesTrusted(options.sourceCommand !== undefined);

  const onSourceLog = (message: AirbyteMessage) => {
    if (message.type !== 'LOG' || !message.log) return;
    const { level, message: text } = message.log;
    const report = parseProgressLog(text);
    if (report) {
      const c = report.stream ? counters.get(report.stream) : undefined;
      if (c) {
        if (report.requests !== undefined) c.requests = report.requests;
        if (report.rateLimitWaitMs !== undefined) c.rateLimitWaitMs = report.rateLimitWaitMs;
        progress.update(c.stream);
      }
      return;
    }
    if (level === 'DEBUG' || level === 'TRACE') return;
    if (level === 'INFO') info(`source: ${text}`);
    else log(`source ${level.toLowerCase()}: ${text}`);
  };

  // Discovery runs while the destination loads and opens: each takes a few hundred milliseconds. A
  // destination that fails stops it, and its error is the one reported, as if it had come first.
  const stopDiscovery = new AbortController();
  const discovery = discoverCatalog(source, configPath, {
    onMessage: onSourceLog,
    onStderr: log,
    signal: options.signal ? AbortSignal.any([options.signal, stopDiscovery.signal]) : stopDiscovery.signal,
  });
  discovery.catch(() => undefined); // awaited below, or abandoned when the destination fails
  const abandonDiscovery = async (): Promise<void> => {
    stopDiscovery.abort();
    await discovery.catch(() => undefined);
  };
  let destination: Destination;
  try {
    destination = await makeDestination(choice, log);
  } catch (error) {
    await abandonDiscovery();
    throw error;
  }
  let tempDir: string | undefined;
  try {
    try {
      await destination.connect();
    } catch (error) {
      await abandonDiscovery();
      throw error;
    }
    if (options.signal?.aborted) {
      await discovery.catch(() => undefined); // stopped by the same signal; not left running behind us
      throw new InterruptedError(abortReason(options.signal));
    }
    const catalog = await discovery;
    if (options.signal?.aborted) throw new InterruptedError(abortReason(options.signal));
    const configured = configureCatalog(catalog, { streams: options.streams, fullRefresh: options.fullRefresh });
    const streamNames = configured.streams.map((s) => s.stream.name);
    for (const name of streamNames) counters.set(name, new StreamCounters(name));

    const incremental = new Set(configured.streams.filter((s) => s.sync_mode === 'incremental').map((s) => s.stream.name));
    const stored = (await destination.storedStates()).filter((s) => {
      const key = stateKey(s);
      return incremental.has(key) || (key.startsWith('__') && incremental.size > 0);
    });

    tempDir = await mkdtemp(join(tmpdir(), 'ada-sync-'));
    const catalogPath = join(tempDir, 'catalog.json');
    await writeFile(catalogPath, JSON.stringify(configured));
    const args = ['read', '--config', configPath, '--catalog', catalogPath];
    if (stored.length > 0) {
      const statePath = join(tempDir, 'state.json');
      await writeFile(statePath, JSON.stringify(stored.map(stripStats)));
      args.push('--state', statePath);
    }

    await destination.open(configured);
    progress.start();
    const proc = new ConnectorProcess(source, args, { name: 'the source' });
    const stop = () => proc.kill();
    options.signal?.addEventListener('abort', stop, { once: true });

    const onOtherMessage = async (message: AirbyteMessage): Promise<void> => {
      switch (message.type) {
        case 'STATE':
          await destination.state(message.state as AirbyteStateMessage);
          return;
        case 'LOG':
          onSourceLog(message);
          return;
        case 'TRACE': {
          const trace = message.trace!;
          if (trace.type === 'STREAM_STATUS' && trace.stream_status) {
            const name = trace.stream_status.stream_descriptor.name;
            const c = counters.get(name);
            if (c) {
              c.status = trace.stream_status.status;
              c.touch();
              progress.update(name);
            }
            await destination.streamStatus?.(name, trace.stream_status.status);
          } else if (trace.type === 'ESTIMATE' && trace.estimate?.row_estimate !== undefined) {
            const c = counters.get(trace.estimate.name);
            if (c) c.estimate = trace.estimate.row_estimate;
          }
          return;
        }
        case 'CONTROL':
          info('source: asked to update its config (CONTROL message); ada-sync does not rewrite config files');
          return;
        default:
          return;
      }
    };

    let readError: unknown;
    try {
      await proc.consume({
        onStderr: log,
        onText: (line) => info(`source: ${line}`),
        withBytes: passLines,
        onMessage: (message, line, bytes) => {
          // Records, the hot path, stay synchronous unless the destination has to wait.
          if (message.type === 'RECORD') {
            const record = message.record!;
            const c = counters.get(record.stream);
            if (c) {
              c.records++;
              c.touch();
              if ((c.records & 255) === 0 || c.records === 1) progress.update(c.stream);
            }
            return destination.write(record, passLines ? { text: line, utf8: bytes } : undefined);
          }
          return onOtherMessage(message);
        },
      });
    } catch (error) {
      readError = error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
    const exit = await proc.wait().catch((error: unknown) => {
      readError ??= error;
      return { code: null, signal: null };
    });
    progress.stop();

    const interrupted = options.signal?.aborted === true;
    let error: unknown = readError;
    if (!error && interrupted) error = new InterruptedError(abortReason(options.signal));
    if (!error && (exit.code !== 0 || proc.lastError)) {
      error = new SourceError(proc.failureMessage(exit), { failureType: proc.lastError?.failure_type });
    }

    let results: StreamResult[] = [];
    // A destination that failed mid-write is not trusted to commit more; it is only disposed of.
    const destinationFailed = readError instanceof AdaSyncError && readError.kind === 'destination';
    if (!destinationFailed) {
      const completed = new Set(
        error ? streamNames.filter((n) => counters.get(n)?.status === 'COMPLETE') : streamNames,
      );
      try {
        results = await destination.close({ completedStreams: completed });
      } catch (closeError) {
        error ??= closeError;
      }
    }
    for (const c of counters.values()) if (!error && c.status === undefined) c.status = 'COMPLETE';
    const summary: SyncSummary = {
      status: error ? (error instanceof InterruptedError ? 'interrupted' : 'failed') : 'succeeded',
      destination: destination.label,
      mode: options.fullRefresh ? 'full_refresh' : 'incremental',
      duration_ms: Date.now() - started,
      streams: buildStreamSummaries(streamNames, counters, results),
      ...(error ? { error: errorSentence(error) } : {}),
    };
    return error ? { summary, error } : { summary };
  } finally {
    progress.stop();
    await destination.dispose();
    if (tempDir) await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

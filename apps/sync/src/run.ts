import { rm, writeFile } from 'node:fs/promises';
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
import { type Destination, type StreamResult, stripStats } from './destinations/types.js';
import { AdaSyncError, InterruptedError, SourceError, UsageError, errorSentence } from './errors.js';
import { readConfigFile } from './config-file.js';
import { namesStream, parseProgressLog } from './messages.js';
import { Progress, type ProgressMode } from './progress.js';
import { type ConnectorCommand, ConnectorProcess, commandFromString, defaultSourceCommand, discoverCatalog } from './source-process.js';
import { StreamCounters, type SyncSummary, buildStreamSummaries } from './summary.js';
import { makeTempDir } from './temp-dirs.js';

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

/**
 * The streams the source finished: those it reported COMPLETE. A source that sends no stream status at
 * all cannot say, and then every stream of a read that succeeded counts as finished. A stream the source
 * ended INCOMPLETE without failing (an API the account does not have) is not: a full refresh of it
 * must not replace the table with what little it read.
 */
export function finishedStreams(names: readonly string[], counters: ReadonlyMap<string, StreamCounters>, succeeded: boolean): Set<string> {
  const reported = names.some((n) => counters.get(n)?.status !== undefined);
  if (!reported) return new Set(succeeded ? names : []);
  return new Set(names.filter((n) => counters.get(n)?.status === 'COMPLETE'));
}

/**
 * What the source wrote that was not loaded: lines that are not valid JSON (a message cut short or
 * garbled, perhaps a record) and records of streams the catalog does not select. Counted, and told
 * at the end of the read without their content, which may be customer data.
 */
class IgnoredOutput {
  brokenLines = 0;
  private readonly records = new Map<string, number>();

  record(stream: string): void {
    this.records.set(stream, (this.records.get(stream) ?? 0) + 1);
  }

  warnings(): string[] {
    const out: string[] = [];
    if (this.brokenLines > 0) {
      out.push(
        `warning: the source wrote ${this.brokenLines} ${this.brokenLines === 1 ? 'line that is' : 'lines that are'} not valid JSON; ignored, with any record in them`,
      );
    }
    for (const [stream, n] of this.records) {
      out.push(`warning: the source sent ${n} ${n === 1 ? 'record' : 'records'} of stream "${stream}", which the catalog does not select; ignored`);
    }
    return out;
  }
}

/**
 * How a sync was asked for, as far as resuming a full refresh goes: a plain run, whatever its streams,
 * or `--full-refresh` of these very streams. A full refresh left unfinished is resumed only by a sync
 * asked for the same way; asking for another full refresh starts it over.
 */
export function resumeRequest(options: Pick<RunOptions, 'fullRefresh' | 'streams'>, streamNames?: readonly string[]): string {
  if (!options.fullRefresh) return 'sync';
  return `full-refresh ${JSON.stringify([...(streamNames ?? options.streams ?? [])].sort())}`;
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

  const said = new Set<string>();
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
    else {
      // discover and read each check the config: a warning about it is said once.
      if (!said.has(text)) log(`source ${level.toLowerCase()}: ${text}`);
      said.add(text);
      for (const c of counters.values()) if (namesStream(text, c.stream)) c.lastWarning = text;
    }
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

    const opened = await destination.open(configured, { request: resumeRequest(options, streamNames) });
    for (const notice of opened.notices) log(notice);

    tempDir = await makeTempDir('run');
    const catalogPath = join(tempDir, 'catalog.json');
    await writeFile(catalogPath, JSON.stringify(configured));
    const args = ['read', '--config', configPath, '--catalog', catalogPath];
    if (opened.states.length > 0) {
      const statePath = join(tempDir, 'state.json');
      await writeFile(statePath, JSON.stringify(opened.states.map(stripStats)));
      args.push('--state', statePath);
    }

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

    const ignored = new IgnoredOutput();
    let readError: unknown;
    try {
      await proc.consume({
        onStderr: log,
        onText: (line) => info(`source: ${line}`),
        onBroken: () => ignored.brokenLines++,
        withBytes: passLines,
        onMessage: (message, line, bytes) => {
          // Records, the hot path, stay synchronous unless the destination has to wait.
          if (message.type === 'RECORD') {
            const record = message.record!;
            const c = counters.get(record.stream);
            if (!c) return ignored.record(record.stream);
            c.records++;
            c.touch();
            if ((c.records & 255) === 0 || c.records === 1) progress.update(c.stream);
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
    for (const warning of ignored.warnings()) log(warning);
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

    const finished = finishedStreams(streamNames, counters, !error);
    let completed = new Set<string>();
    let results: StreamResult[] = [];
    // A destination that failed mid-write is not trusted to commit more; it is only disposed of.
    const destinationFailed = readError instanceof AdaSyncError && readError.kind === 'destination';
    if (!destinationFailed) {
      try {
        results = await destination.close({ completedStreams: finished });
        completed = finished;
      } catch (closeError) {
        error ??= closeError;
      }
    }
    // After a failure, what the earlier commits made durable is still what the summary reports.
    if (error) results = destination.committed();
    for (const c of counters.values()) if (completed.has(c.stream)) c.status = 'COMPLETE';
    const summary: SyncSummary = {
      status: error ? (error instanceof InterruptedError ? 'interrupted' : 'failed') : 'succeeded',
      destination: destination.label,
      mode: options.fullRefresh ? 'full_refresh' : 'incremental',
      duration_ms: Date.now() - started,
      streams: buildStreamSummaries(streamNames, counters, results, { completed, failed: error !== undefined }),
      ...(error ? { error: errorSentence(error) } : {}),
    };
    return error ? { summary, error } : { summary };
  } finally {
    progress.stop();
    await destination.dispose();
    if (tempDir) await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

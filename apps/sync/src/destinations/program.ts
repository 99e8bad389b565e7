import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type {
  AirbyteMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConnectorSpecification,
} from '@ada-airbyte/core';
import { type ParentWatch, watchParent } from '@ada-airbyte/core';
import { z } from 'zod';
import { UsageError, errorSentence } from '../errors.js';
import { parseLine, serializeMessage } from '../messages.js';
import { CALLER_PID_ENV } from '../source-process.js';
import { type DestinationKind, createDestination, parseDestinationUri } from './index.js';
import type { Destination } from './types.js';

/**
 * `ada-sync destination duckdb|postgres|jsonl spec|check|write`: each built-in destination as an
 * Airbyte destination program, so the Airbyte platform (or `ada-sync run --destination-command`) can
 * use it. stdout carries only protocol messages; a STATE is echoed once it is committed.
 */

const duckdbConfig = z.object({
  destination_path: z.string().min(1).describe('Path of the DuckDB database file, e.g. /data/ada.duckdb'),
});

const jsonlConfig = z.object({
  destination_path: z.string().min(1).describe('Directory that gets one <stream>.jsonl file per stream'),
});

const postgresConfig = z.object({
  url: z.string().optional().describe('postgres://user:password@host:5432/database; when set, host/port/database/username/password are ignored'),
  host: z.string().optional().describe('Required unless url is set'),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().default('postgres'),
  username: z.string().default('postgres'),
  password: z.string().optional(),
  schema: z.string().min(1).default('public').describe('Schema that gets one table per stream'),
  ssl_mode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
});

const CONFIGS = { duckdb: duckdbConfig, jsonl: jsonlConfig, postgres: postgresConfig } as const;

function destinationUri(kind: DestinationKind, raw: unknown): string {
  switch (kind) {
    case 'duckdb':
      return `duckdb:${duckdbConfig.parse(raw).destination_path}`;
    case 'jsonl':
      return `jsonl:${jsonlConfig.parse(raw).destination_path}`;
    case 'postgres': {
      const c = postgresConfig.parse(raw);
      if (!c.url && !c.host) throw new UsageError('invalid config: set either url or host');
      const url = new URL(c.url ?? 'postgres://localhost');
      if (!c.url && c.host) {
        url.hostname = c.host;
        url.port = String(c.port);
        url.pathname = `/${encodeURIComponent(c.database)}`;
        url.username = encodeURIComponent(c.username);
        if (c.password) url.password = encodeURIComponent(c.password);
      }
      if (c.ssl_mode) url.searchParams.set('sslmode', c.ssl_mode);
      url.searchParams.set('schema', c.schema);
      return url.toString();
    }
  }
}

export function specification(kind: DestinationKind): ConnectorSpecification {
  return {
    documentationUrl: 'https://github.com/ada-airbyte/ada-airbyte/tree/main/apps/sync',
    connectionSpecification: { ...z.toJSONSchema(CONFIGS[kind], { io: 'input' }), title: `ada-sync ${kind} destination` },
    supportsIncremental: true,
    supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
  };
}

function emit(message: AirbyteMessage): void {
  process.stdout.write(serializeMessage(message));
}

function emitLog(level: 'INFO' | 'WARN' | 'ERROR', message: string): void {
  emit({ type: 'LOG', log: { level, message } });
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${path}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`the ${what} ${path} is not valid JSON`, { cause: error });
  }
}

function configError(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return `invalid config: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`;
  }
  return errorSentence(error);
}

async function check(kind: DestinationKind, configPath: string): Promise<number> {
  let uri: string;
  try {
    uri = destinationUri(kind, await readJson(configPath, 'config file'));
  } catch (error) {
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: configError(error) } });
    return 0;
  }
  let destination: Destination;
  try {
    destination = await createDestination(parseDestinationUri(uri));
  } catch (error) {
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: errorSentence(error) } });
    return 0;
  }
  try {
    await destination.connect();
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
  } catch (error) {
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: errorSentence(error) } });
  } finally {
    await destination.dispose();
  }
  return 0;
}

async function write(kind: DestinationKind, configPath: string, catalogPath: string): Promise<number> {
  // Whoever feeds stdin may die without a word (SIGKILL of its process group): stop then, as a source
  // does, leaving uncommitted work to the next sync instead of running on for nobody. Watched from the
  // start, as the caller may die while we load.
  const caller = callerPid();
  const watch = watchParent(() => process.exit(1), caller);
  try {
    return await writeInput(kind, configPath, catalogPath, caller, watch);
  } finally {
    watch.stop();
  }
}

/** The ada-sync that runs us, if it is one: it says how every stream ended before it closes our input. */
function callerPid(): number | undefined {
  const pid = Number(process.env[CALLER_PID_ENV]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function writeInput(kind: DestinationKind, configPath: string, catalogPath: string, caller: number | undefined, watch: ParentWatch): Promise<number> {
  let uri: string;
  try {
    uri = destinationUri(kind, await readJson(configPath, 'config file'));
  } catch (error) {
    emitTrace(configError(error), 'config_error');
    return 1;
  }
  const catalog = (await readJson(catalogPath, 'catalog file')) as ConfiguredAirbyteCatalog;
  // Loaded here only: compiling the protocol schema is slow, and a catalog is checked once per write.
  const { validateConfiguredCatalog } = await import('@ada-airbyte/core');
  const valid = validateConfiguredCatalog(catalog);
  if (!valid.valid) throw new UsageError(`the catalog ${catalogPath} is not a ConfiguredAirbyteCatalog: ${valid.errors[0]}`);

  const destination = await createDestination(parseDestinationUri(uri));
  try {
    await destination.connect();
    await destination.open(catalog, { onStateCommitted: (state: AirbyteStateMessage) => emit({ type: 'STATE', state }) });
    const statuses = new Map<string, string>();
    const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
    let records = 0;
    for await (const line of input) {
      if (line.trim() === '') continue;
      const parsed = parseLine(line);
      if (parsed.kind !== 'message') {
        if (parsed.kind === 'invalid') emitLog('WARN', `ignored a message that breaks the protocol: ${parsed.errors[0]}`);
        if (parsed.kind === 'broken') emitLog('WARN', `ignored a line of ${parsed.bytes} bytes that is not valid JSON`);
        continue;
      }
      const message = parsed.message;
      if (message.type === 'RECORD' && message.record) {
        records++;
        await destination.write(message.record);
      } else if (message.type === 'STATE' && message.state) {
        await destination.state(message.state);
      } else if (message.type === 'TRACE' && message.trace?.type === 'STREAM_STATUS' && message.trace.stream_status) {
        statuses.set(message.trace.stream_status.stream_descriptor.name, message.trace.stream_status.status);
      }
    }
    // The end of input from a caller that died is no word on how any stream ended.
    if (watch.gone()) process.exit(1);
    // Without stream statuses (older platforms) the end of input means every stream is complete; not
    // from ada-sync, which always sends them, so that input cut short completes nothing.
    const names = catalog.streams.map((s) => s.stream.name);
    const completed = new Set(statuses.size === 0 && caller === undefined ? names : names.filter((n) => statuses.get(n) === 'COMPLETE'));
    const results = await destination.close({ completedStreams: completed });
    emitLog(
      'INFO',
      `wrote ${records} records: ${results.map((r) => `${r.stream} ${r.recordsCommitted} committed (${r.inserted ?? '?'} inserted, ${r.updated ?? '?'} updated)`).join('; ')}`,
    );
    return 0;
  } finally {
    await destination.dispose();
  }
}

function emitTrace(message: string, failureType: 'system_error' | 'config_error'): void {
  emit({
    type: 'TRACE',
    trace: { type: 'ERROR', emitted_at: Date.now(), error: { message, failure_type: failureType } },
  });
}

const USAGE = 'usage: ada-sync destination duckdb|postgres|jsonl spec | check --config F | write --config F --catalog F';

export async function destinationProgram(argv: string[]): Promise<number> {
  const [kindArg, command, ...rest] = argv;
  if (kindArg !== 'duckdb' && kindArg !== 'postgres' && kindArg !== 'jsonl') {
    throw new UsageError(kindArg ? `unknown destination "${kindArg}"; ${USAGE}` : USAGE);
  }
  const kind: DestinationKind = kindArg;
  const { values } = (() => {
    try {
      return parseArgs({ args: rest, options: { config: { type: 'string' }, catalog: { type: 'string' } }, strict: true });
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
    }
  })();
  try {
    switch (command) {
      case 'spec':
        emit({ type: 'SPEC', spec: specification(kind) });
        return 0;
      case 'check':
        if (!values.config) throw new UsageError(`check needs --config; ${USAGE}`);
        return await check(kind, values.config);
      case 'write':
        if (!values.config || !values.catalog) throw new UsageError(`write needs --config and --catalog; ${USAGE}`);
        return await write(kind, values.config, values.catalog);
      default:
        throw new UsageError(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
    }
  } catch (error) {
    // Airbyte reads failures from stdout; the sentence goes to stderr too for people running it by hand.
    emitTrace(errorSentence(error), error instanceof UsageError ? 'config_error' : 'system_error');
    throw error;
  }
}

import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { AirbyteStateMessage } from '@ada-airbyte/core';
import { runConnector, type ConnectorRun, type RunOptions } from '@ada-airbyte/core/testing';
import { startMockAda, type MockAda, type MockAdaOptions } from '@ada-airbyte/mock-ada';

export const BIN = fileURLToPath(new URL('../bin/source-ada', import.meta.url));
export const STREAMS = ['conversations', 'messages'] as const;
export type StreamName = (typeof STREAMS)[number];

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'source-ada-test-'));
}

/** A local port nothing listens on: bound, noted and closed again, so a connection to it is refused. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/**
 * A mock whose data all lies before the second a read ends in. A read covers whole seconds up to
 * Ada's now (exclusive), which it learns from a Date header: to the second, truncated, so it may
 * end up to a second earlier than the mock's clock. The data stops two seconds before the mock
 * starts, so a read at any moment after sees all of it; a test expecting every record of the mock
 * would otherwise fail by chance.
 */
export function startMock(options: MockAdaOptions): Promise<MockAda> {
  return startMockAda({ dataUntil: Date.now() - 2000, ...options });
}

/** A config for the mock with pacing lifted (tests that check pacing set their own limits). */
export function mockConfig(mock: Pick<MockAda, 'apiKey' | 'url'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    api_key: mock.apiKey,
    handle: 'acme',
    base_url: mock.url,
    lookback_window_minutes: 0,
    page_size: 100,
    requests_per_second: 100_000,
    requests_per_minute: 1_000_000,
    requests_per_day: 100_000_000,
    max_retries: 4,
    ...overrides,
  };
}

export function catalog(mode: 'incremental' | 'full_refresh' = 'incremental', streams: readonly string[] = STREAMS) {
  return {
    streams: streams.map((name) => ({
      stream: {
        name,
        json_schema: {},
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: [name === 'conversations' ? 'date_updated' : 'date_created'],
      },
      sync_mode: mode,
      destination_sync_mode: mode === 'incremental' ? 'append_dedup' : 'overwrite',
      ...(mode === 'incremental' ? { cursor_field: [name === 'conversations' ? 'date_updated' : 'date_created'], primary_key: [['_id']] } : {}),
    })),
  };
}

export interface ReadArgs {
  config: Record<string, unknown>;
  catalog?: unknown;
  state?: AirbyteStateMessage[] | string;
  debug?: boolean;
}

/** Runs `source-ada read` in a fresh temp dir; every stdout line is validated by runConnector. */
export async function read(args: ReadArgs, opts: RunOptions = {}): Promise<ConnectorRun> {
  const dir = tempDir();
  const argv = ['read', '--config', writeJson(dir, 'config.json', args.config), '--catalog', writeJson(dir, 'catalog.json', args.catalog ?? catalog())];
  if (args.state !== undefined) argv.push('--state', writeJson(dir, 'state.json', args.state));
  if (args.debug) argv.push('--debug');
  return runConnector(BIN, argv, { cwd: dir, timeoutMs: 300_000, ...opts });
}

export async function command(cmd: 'spec' | 'check' | 'discover', config?: Record<string, unknown> | string, extra: string[] = []) {
  const dir = tempDir();
  const argv: string[] = [cmd];
  if (config !== undefined) argv.push('--config', writeJson(dir, 'config.json', config));
  return runConnector(BIN, [...argv, ...extra], { cwd: dir, timeoutMs: 120_000 });
}

export function expectValidProtocol(run: ConnectorRun): void {
  expect(run.invalid).toEqual([]);
  expect(run.lines.length).toBeGreaterThan(0);
}

/** Ids per stream, failing on any id emitted twice. */
export function idsOf(run: ConnectorRun, stream: StreamName): string[] {
  return run.messages.filter((m) => m.type === 'RECORD' && m.record!.stream === stream).map((m) => (m.record!.data as { _id: string })._id);
}

export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Every stream source-ada offers, with its primary key field and whether it can be read incrementally. */
export const ALL_STREAMS: Record<string, { key: string; cursor?: string }> = {
  conversations: { key: '_id', cursor: 'date_updated' },
  messages: { key: '_id', cursor: 'date_created' },
  knowledge_articles: { key: 'id' },
  knowledge_sources: { key: 'id' },
  knowledge_tags: { key: 'id' },
  end_users: { key: 'end_user_id' },
  platform_integrations: { key: 'id' },
  audit_log_events: { key: 'id', cursor: 'timestamp' },
  webhooks: { key: 'id' },
  webhook_event_types: { key: 'name' },
  channels: { key: 'id' },
  variables: { key: 'id' },
  custom_instructions: { key: 'id' },
  playbooks: { key: 'id' },
};

/** A configured catalog as ada-sync makes one: incremental where the stream has a cursor, else full refresh. */
export function catalogOf(streams: readonly string[] = Object.keys(ALL_STREAMS), mode: 'incremental' | 'full_refresh' = 'incremental') {
  return {
    streams: streams.map((name) => {
      const { key, cursor } = ALL_STREAMS[name]!;
      const incremental = mode === 'incremental' && cursor !== undefined;
      return {
        stream: {
          name,
          json_schema: {},
          supported_sync_modes: cursor ? ['full_refresh', 'incremental'] : ['full_refresh'],
          source_defined_cursor: cursor !== undefined,
          ...(cursor ? { default_cursor_field: [cursor] } : {}),
          source_defined_primary_key: [[key]],
        },
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: incremental ? 'append_dedup' : 'overwrite',
        primary_key: [[key]],
        ...(incremental ? { cursor_field: [cursor] } : {}),
      };
    }),
  };
}

/** Primary-key values a run emitted for a stream, in order. */
export function keysOf(run: ConnectorRun, stream: string): string[] {
  const key = ALL_STREAMS[stream]!.key;
  return run.messages.filter((m) => m.type === 'RECORD' && m.record!.stream === stream).map((m) => String((m.record!.data as Record<string, unknown>)[key]));
}

/** Keys a run emitted that its last STATE for the stream covers: what a destination commits. */
export function coveredKeys(run: ConnectorRun, stream: string): string[] {
  const key = ALL_STREAMS[stream]!.key;
  const keys: string[] = [];
  let covered = 0;
  for (const m of run.messages) {
    if (m.type === 'RECORD' && m.record!.stream === stream) keys.push(String((m.record!.data as Record<string, unknown>)[key]));
    if (m.type === 'STATE' && m.state!.stream!.stream_descriptor.name === stream) covered = keys.length;
  }
  return keys.slice(0, covered);
}

/** What a test needs of a mock-ada running in a process of its own (see fixtures/mock-process.mjs). */
export interface MockProcess {
  url: string;
  apiKey: string;
  ids(stream: string): Promise<string[]>;
  stats(): Promise<ReturnType<MockAda['stats']>>;
  close(): Promise<void>;
}

/** Starts mock-ada in its own process, its data ending before it starts (see startMock). */
export async function startMockProcess(options: Omit<MockAdaOptions, 'now'>): Promise<MockProcess> {
  const child = fork(fileURLToPath(new URL('./fixtures/mock-process.mjs', import.meta.url)), [JSON.stringify({ dataUntil: Date.now() - 2000, ...options })]);
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  const ready = new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mock-ada process exited (${code}) before it was ready`)));
    child.on('message', (m: { ready?: boolean; url: string; apiKey: string; id?: number; result?: unknown }) => {
      if (m.ready) resolve(m);
      else pending.get(m.id!)?.(m.result);
    });
  });
  const { url, apiKey } = await ready;
  const ask = <T>(cmd: string, stream?: string) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (result: unknown) => void);
      child.send({ id, cmd, stream });
    });
  return {
    url,
    apiKey,
    ids: (stream) => ask('ids', stream),
    stats: () => ask('stats'),
    close: async () => {
      await ask('close');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}

import { mkdtempSync, writeFileSync } from 'node:fs';
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

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/**
 * A mock whose data all lies before the second a read starts in. A read covers whole seconds up to
 * that one (exclusive), and the mock's newest record can be a microsecond older than the mock: read
 * in the same second, it is rightly left for the next read, and a test expecting every record of the
 * mock fails by chance. The mock's clock runs a second behind the wall clock for that.
 */
export function startMock(options: MockAdaOptions): Promise<MockAda> {
  return startMockAda({ now: () => Date.now() - 1000, ...options });
}

/** A config for the mock with pacing lifted (tests that check pacing set their own limits). */
export function mockConfig(mock: MockAda, overrides: Record<string, unknown> = {}): Record<string, unknown> {
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

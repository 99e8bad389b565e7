import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runSource } from '../src/cli.js';
import { ConfigError, StreamUnavailableError, TransientError } from '../src/errors.js';
import { listStream, windowedStream } from '../src/read/stream.js';
import { clearSecrets, registerSecret } from '../src/secrets.js';
import { type SourceDefinition, type StreamDefinition } from '../src/source.js';
import { capture, invalidLines } from './helpers/capture.js';
import { FakeAda, type FakeRecord } from './helpers/fake-ada.js';
import { FakeList, type Item } from './helpers/fake-list.js';

const dir = mkdtempSync(join(tmpdir(), 'core-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

let fileNo = 0;
function file(content: unknown): string {
  const path = join(dir, `f${fileNo++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const T = Date.UTC(2026, 2, 1, 10, 0, 0);
const at = (second: number, micros = 0) => new Date(T + second * 1000).toISOString().slice(0, 19) + `.${String(micros).padStart(6, '0')}Z`;
const ITEMS: FakeRecord[] = Array.from({ length: 12 }, (_, i) => ({ id: `item-${i}`, ts: at(Math.floor(i / 2), i % 2) }));

interface Config {
  apiKey: string;
}

const schema = { type: 'object', properties: { id: { type: 'string' }, ts: { type: 'string' } } };

function stream(name: string, read: StreamDefinition['read']): StreamDefinition {
  return { name, jsonSchema: schema, cursorField: 'ts', primaryKey: [['id']], syncModes: ['full_refresh', 'incremental'], checkState: () => undefined, read };
}

const THINGS: Item[] = Array.from({ length: 7 }, (_, i) => ({ id: `t${i}`, part: i < 4 ? 'x' : 'y' }));

/** A full-refresh list in two partitions, through core's declaration. */
function things(): StreamDefinition {
  return listStream<Item, string>({
    name: 'things',
    jsonSchema: schema,
    primaryKey: [['id']],
    partitions: [
      { key: 'part=x', value: 'x' },
      { key: 'part=y', value: 'y' },
    ],
    fetcher: new FakeList(THINGS, 3),
  });
}

/** The fake API as a windowed stream, through core's declaration. */
function items(): StreamDefinition {
  const api = new FakeAda(ITEMS, 3);
  return windowedStream<FakeRecord>({
    name: 'items',
    jsonSchema: schema,
    primaryKey: [['id']],
    cursorField: 'ts',
    order: 'ascending',
    concurrency: 1,
    range: async () => ({ startMs: T, endMs: T + 6000, lookbackMs: 0, floorMs: 0, windowMs: 4000, floorReason: 'the test API keeps everything', endName: 'the test API\'s clock' }),
    fetcher: { fetch: (window, next) => api.fetchPage(next === undefined ? { window } : { window, next }) },
    stats: () => ({ requests: 1, rateLimitWaitMs: 0 }),
  });
}

function fakeSource(): SourceDefinition<Config> {
  return {
    spec: () => ({
      connectionSpecification: {
        type: 'object',
        required: ['api_key'],
        properties: { api_key: { type: 'string', airbyte_secret: true } },
      },
    }),
    parseConfig(raw, source) {
      const apiKey = (raw as { api_key?: unknown } | null)?.api_key;
      if (typeof apiKey !== 'string' || apiKey === '') throw new ConfigError(`The config file ${source} needs "api_key".`);
      registerSecret(apiKey);
      return { apiKey };
    },
    async check(config) {
      if (config.apiKey.startsWith('bad')) throw new ConfigError(`Ada rejected the API key ${config.apiKey}; create a new one.`);
    },
    streams: () => [
      items(),
      stream('flaky', async () => {
        throw new TransientError('Ada is unavailable; try again later.', { cause: new Error('socket hang up') });
      }),
      stream('buggy', async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      }),
      stream('gone', async () => {
        throw new StreamUnavailableError('The things API is not enabled for this account (HTTP 404).');
      }),
      things(),
    ],
  };
}

const config = () => file({ api_key: 'good-key-123' });

function catalog(...streams: Array<{ name: string; mode?: string }>) {
  return {
    streams: streams.map(({ name, mode }) => ({
      stream: { name, json_schema: schema, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: mode ?? 'incremental',
      destination_sync_mode: 'append',
    })),
  };
}

async function cli(argv: string[]) {
  const c = capture(false);
  const code = await runSource(fakeSource(), argv, c.writer);
  const lines = c.lines();
  return { code, lines, messages: c.messages(), text: c.text(), invalid: invalidLines(lines) };
}

function errorsOf(messages: Array<Record<string, any>>) {
  return messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR').map((m) => m.trace.error);
}

function statuses(messages: Array<Record<string, any>>) {
  return messages
    .filter((m) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS')
    .map((m) => `${m.trace.stream_status.stream_descriptor.name}:${m.trace.stream_status.status}`);
}

function noStackTrace(text: string) {
  expect(text).not.toContain('stack_trace');
  expect(text).not.toMatch(/\\n\s+at /);
}

describe('runSource', () => {
  it('spec writes one SPEC and exits 0', async () => {
    const r = await cli(['spec']);
    expect(r.code).toBe(0);
    expect(r.messages.map((m) => m.type)).toEqual(['SPEC']);
    expect(r.messages[0]!.spec.connectionSpecification.required).toEqual(['api_key']);
    expect(r.invalid).toEqual([]);
  });

  it('check writes exactly one SUCCEEDED status and exits 0', async () => {
    const r = await cli(['check', '--config', config()]);
    expect(r.code).toBe(0);
    expect(r.messages.filter((m) => m.type === 'CONNECTION_STATUS')).toHaveLength(1);
    expect(r.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus).toEqual({ status: 'SUCCEEDED' });
    expect(r.invalid).toEqual([]);
  });

  it('check reports failures as exactly one FAILED status, exit 0', async () => {
    const missing = join(dir, 'missing.json');
    for (const argv of [
      ['check', '--config', file({ api_key: 'bad-key-1' })],
      ['check', '--config', file({})],
      ['check', '--config', file('{not json')],
      ['check', '--config', missing],
      ['check'],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      const statusMessages = r.messages.filter((m) => m.type === 'CONNECTION_STATUS');
      expect(statusMessages, argv.join(' ')).toHaveLength(1);
      expect(statusMessages[0]!.connectionStatus.status).toBe('FAILED');
      expect(statusMessages[0]!.connectionStatus.message).toEqual(expect.any(String));
      expect(errorsOf(r.messages)).toEqual([]);
      expect(r.invalid).toEqual([]);
      noStackTrace(r.text);
    }
    const r = await cli(['check', '--config', missing]);
    expect(r.messages[0]!.connectionStatus.message).toContain('does not exist');
  });

  it('check does not leak a registered secret in its FAILED message', async () => {
    const r = await cli(['check', '--config', file({ api_key: 'bad-key-s3cr3t-998877' })]);
    expect(r.messages[0]!.connectionStatus.status).toBe('FAILED');
    expect(r.text).not.toContain('bad-key-s3cr3t-998877');
  });

  it('discover writes one CATALOG and exits 0', async () => {
    const r = await cli(['discover', '--config', config()]);
    expect(r.code).toBe(0);
    expect(r.messages.map((m) => m.type)).toEqual(['CATALOG']);
    const streams = r.messages[0]!.catalog.streams;
    expect(streams.map((s: { name: string }) => s.name)).toEqual(['items', 'flaky', 'buggy', 'gone', 'things']);
    expect(streams[4]).toEqual({
      name: 'things',
      json_schema: schema,
      supported_sync_modes: ['full_refresh'],
      source_defined_cursor: false,
      source_defined_primary_key: [['id']],
      is_resumable: true,
    });
    expect(streams[0]).toMatchObject({
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['ts'],
      source_defined_primary_key: [['id']],
    });
    expect(r.invalid).toEqual([]);
  });

  it('reads a stream: STARTED, RUNNING, records and states, COMPLETE', async () => {
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' }))]);
    expect(r.code).toBe(0);
    expect(r.invalid).toEqual([]);
    expect(statuses(r.messages)).toEqual(['items:STARTED', 'items:RUNNING', 'items:COMPLETE']);
    const kinds = r.messages.map((m) => (m.type === 'TRACE' ? `TRACE:${m.trace.stream_status?.status ?? m.trace.type}` : m.type));
    expect(kinds.indexOf('TRACE:STARTED')).toBeLessThan(kinds.indexOf('RECORD'));
    expect(kinds.lastIndexOf('STATE')).toBeLessThan(kinds.indexOf('TRACE:COMPLETE'));
    expect(kinds.lastIndexOf('RECORD')).toBeLessThan(kinds.lastIndexOf('STATE'));
    const records = r.messages.filter((m) => m.type === 'RECORD');
    expect(records.map((m) => m.record.data.id)).toEqual(ITEMS.map((i) => i.id));
    const states = r.messages.filter((m) => m.type === 'STATE');
    expect(states.reduce((n, m) => n + m.state.sourceStats.recordCount, 0)).toBe(ITEMS.length);
    expect(states[states.length - 1]!.state.stream.stream_state).toEqual({ cursor: '2026-03-01T10:00:06Z' });
    expect(errorsOf(r.messages)).toEqual([]);
  });

  it('resumes an incremental read from the --state file', async () => {
    const state = file([
      { type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: at(3).slice(0, 19) + 'Z', boundary_ids: ['item-6'] } } },
    ]);
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' })), '--state', state]);
    expect(r.code).toBe(0);
    expect(r.messages.filter((m) => m.type === 'RECORD').map((m) => m.record.data.id)).toEqual(['item-7', 'item-8', 'item-9', 'item-10', 'item-11']);
    expect(r.invalid).toEqual([]);
  });

  it('takes a saved cursor in the API\'s future back to the API\'s now, and says so', async () => {
    const state = file([{ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: '2026-03-01T11:00:00Z', boundary_ids: ['x'] } } }]);
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' })), '--state', state]);
    expect(r.code).toBe(0);
    expect(r.invalid).toEqual([]);
    expect(r.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
    const warnings = r.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^items: the saved cursor 2026-03-01T11:00:00Z is later than the test API's clock \(2026-03-01T10:00:06Z\): .*a full refresh recovers\.$/),
    ]);
    expect(r.messages.filter((m) => m.type === 'STATE').map((m) => m.state.stream.stream_state)).toEqual([{ cursor: '2026-03-01T10:00:06Z' }]);
  });

  it('full refresh ignores the incoming state', async () => {
    const state = file([{ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: 'garbage' } } }]);
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items', mode: 'full_refresh' })), '--state', state]);
    expect(r.code).toBe(0);
    expect(r.messages.filter((m) => m.type === 'RECORD')).toHaveLength(ITEMS.length);
  });

  describe('read fails with one config_error TRACE, exit 1, no stack trace', () => {
    const cases: Array<[string, () => string[], RegExp]> = [
      ['an unknown stream', () => ['read', '--config', config(), '--catalog', file(catalog({ name: 'nope' }))], /"nope"/],
      ['a bad sync mode', () => ['read', '--config', config(), '--catalog', file(catalog({ name: 'items', mode: 'sometimes' }))], /catalog/],
      ['an invalid catalog', () => ['read', '--config', config(), '--catalog', file({ streams: [{ stream: { name: 'items' } }] })], /not a valid configured catalog/],
      ['a catalog that is not JSON', () => ['read', '--config', config(), '--catalog', file('streams:')], /not valid JSON/],
      ['an empty catalog', () => ['read', '--config', config(), '--catalog', file({ streams: [] })], /selects no streams/],
      ['a stream selected twice', () => ['read', '--config', config(), '--catalog', file(catalog({ name: 'items' }, { name: 'items' }))], /twice/],
      ['a corrupt state file', () => ['read', '--config', config(), '--catalog', file(catalog({ name: 'items' })), '--state', file('[{"type":')], /state file/],
      ['a non-stream state', () => ['read', '--config', config(), '--catalog', file(catalog({ name: 'items' })), '--state', file([{ type: 'GLOBAL' }])], /state file/],
      ['a missing --catalog', () => ['read', '--config', config()], /--catalog/],
      ['a missing config file', () => ['read', '--config', join(dir, 'nope.json'), '--catalog', file(catalog({ name: 'items' }))], /does not exist/],
      ['an unknown command', () => ['sync'], /Unknown command "sync"/],
      ['an unknown flag', () => ['read', '--bogus'], /Usage/],
      ['no command', () => [], /Usage/],
    ];
    for (const [what, argv, message] of cases) {
      it(what, async () => {
        const r = await cli(argv());
        expect(r.code).toBe(1);
        expect(r.invalid).toEqual([]);
        const errors = errorsOf(r.messages);
        expect(errors).toHaveLength(1);
        expect(errors[0]!.failure_type).toBe('config_error');
        expect(errors[0]!.message).toMatch(message);
        expect(r.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
        noStackTrace(r.text);
      });
    }

    it('a bad checkpoint in the state for a selected stream, before any record', async () => {
      const state = file([{ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: 'yesterday' } } }]);
      const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' })), '--state', state]);
      expect(r.code).toBe(1);
      expect(r.invalid).toEqual([]);
      expect(r.messages.filter((m) => m.type === 'RECORD' || m.type === 'STATE')).toEqual([]);
      expect(statuses(r.messages)).not.toContain('items:COMPLETE');
      const errors = errorsOf(r.messages);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.failure_type).toBe('config_error');
      expect(errors[0]!.message).toContain(state);
      expect(errors[0]!.message).toContain('"items"');
      noStackTrace(r.text);
    });
  });

  it('a stream that throws ends INCOMPLETE, then one TRACE error with its failure_type', async () => {
    for (const [name, failureType] of [
      ['flaky', 'transient_error'],
      ['buggy', 'system_error'],
    ] as const) {
      const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name }))]);
      expect(r.code).toBe(1);
      expect(r.invalid).toEqual([]);
      expect(statuses(r.messages)).toEqual([`${name}:STARTED`, `${name}:INCOMPLETE`]);
      const last = r.messages[r.messages.length - 1]!;
      expect(last.type).toBe('TRACE');
      expect(last.trace.type).toBe('ERROR');
      expect(last.trace.error.failure_type).toBe(failureType);
      expect(last.trace.error.stream_descriptor).toEqual({ name });
      expect(errorsOf(r.messages)).toHaveLength(1);
      noStackTrace(r.text);
    }
  });

  it('reads streams side by side: a failing stream ends INCOMPLETE with its error, the others still complete', async () => {
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' }, { name: 'flaky' }))]);
    expect(r.code).toBe(1);
    const seen = statuses(r.messages);
    expect(seen.filter((s) => s.startsWith('items:'))).toEqual(['items:STARTED', 'items:RUNNING', 'items:COMPLETE']);
    expect(seen.filter((s) => s.startsWith('flaky:'))).toEqual(['flaky:STARTED', 'flaky:INCOMPLETE']);
    const errors = errorsOf(r.messages);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.stream_descriptor).toEqual({ name: 'flaky' });
    expect(r.invalid).toEqual([]);
  });

  it('skips a stream whose API the account lacks: a WARN, INCOMPLETE, no error, and the read exits 0', async () => {
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' }, { name: 'gone' }))]);
    expect(r.code).toBe(0);
    expect(r.invalid).toEqual([]);
    expect(statuses(r.messages).filter((s) => s.startsWith('gone:'))).toEqual(['gone:STARTED', 'gone:INCOMPLETE']);
    expect(statuses(r.messages).filter((s) => s.startsWith('items:'))).toEqual(['items:STARTED', 'items:RUNNING', 'items:COMPLETE']);
    expect(errorsOf(r.messages)).toEqual([]);
    const warnings = r.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message);
    expect(warnings).toEqual(['gone: skipped. The things API is not enabled for this account (HTTP 404).']);
  });

  it('reads a full-refresh list page by page, checkpointing its position, and resumes from it', async () => {
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'things', mode: 'full_refresh' }))]);
    expect(r.code).toBe(0);
    expect(r.invalid).toEqual([]);
    expect(r.messages.filter((m) => m.type === 'RECORD').map((m) => m.record.data.id)).toEqual(THINGS.map((t) => t.id));
    const states = r.messages.filter((m) => m.type === 'STATE').map((m) => m.state.stream.stream_state);
    expect(states).toEqual([
      { partition: 'part=x', next_page: '/list?part=x&cursor=t3' },
      { partition: 'part=y' },
      { __ab_full_refresh_sync_complete: true },
    ]);
    const state = file([{ type: 'STREAM', stream: { stream_descriptor: { name: 'things' }, stream_state: states[0] } }]);
    const resumed = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'things', mode: 'full_refresh' })), '--state', state]);
    expect(resumed.messages.filter((m) => m.type === 'RECORD').map((m) => m.record.data.id)).toEqual(['t3', 't4', 't5', 't6']);
  });

  it('refuses incremental on a full-refresh-only stream before reading anything', async () => {
    const r = await cli(['read', '--config', config(), '--catalog', file(catalog({ name: 'items' }, { name: 'things' }))]);
    expect(r.code).toBe(1);
    expect(r.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
    const errors = errorsOf(r.messages);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(errors[0]!.message).toMatch(/asks for sync mode "incremental" on stream "things"; it supports full_refresh/);
  });

  it('turns an unexpected error into a system_error without a stack trace', async () => {
    const def = fakeSource();
    def.streams = () => {
      throw new Error('kaboom');
    };
    const c = capture(false);
    const code = await runSource(def, ['discover', '--config', config()], c.writer);
    expect(code).toBe(1);
    const errors = errorsOf(c.messages());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: 'system_error', message: 'Unexpected error: kaboom' });
    noStackTrace(c.text());
    expect(invalidLines(c.lines())).toEqual([]);
  });
});

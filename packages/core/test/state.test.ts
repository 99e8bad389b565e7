import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { parseCheckpoint } from '../src/read/window-state.js';
import { parseStateInput } from '../src/state-input.js';

const FILE = '/tmp/some/state.json';

function streamState(name: string, state: unknown) {
  return { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: state } };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseStateInput', () => {
  it('treats an empty file, [] and {} as no state', () => {
    for (const text of ['', '  \n', '[]', '{}', ' { } ']) {
      expect(parseStateInput(text, FILE).size, JSON.stringify(text)).toBe(0);
    }
  });

  it('reads an array of per-stream state messages', () => {
    const states = parseStateInput(
      JSON.stringify([streamState('conversations', { cursor: '2026-03-01T10:00:00Z' }), streamState('messages', { cursor: 'x' })]),
      FILE,
    );
    expect([...states.keys()]).toEqual(['conversations', 'messages']);
    expect(states.get('conversations')).toEqual({ cursor: '2026-03-01T10:00:00Z' });
  });

  it('accepts messages wrapped in an AirbyteMessage, and a single message on its own', () => {
    const wrapped = { type: 'STATE', state: streamState('conversations', { cursor: 'c' }) };
    expect(parseStateInput(JSON.stringify([wrapped]), FILE).get('conversations')).toEqual({ cursor: 'c' });
    expect(parseStateInput(JSON.stringify(wrapped), FILE).get('conversations')).toEqual({ cursor: 'c' });
    expect(parseStateInput(JSON.stringify(streamState('messages', { cursor: 'm' })), FILE).get('messages')).toEqual({ cursor: 'm' });
  });

  it('rejects invalid JSON, naming the file', () => {
    const error = configError(() => parseStateInput('[{"type": "STREAM", ', FILE));
    expect(error.message).toContain(FILE);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('rejects entries that are not per-stream states, naming the file and the entry', () => {
    const cases: unknown[] = [
      [streamState('ok', {}), 42],
      [null],
      ['STREAM'],
      [{ type: 'GLOBAL', global: { shared_state: {}, stream_states: [] } }],
      [{ type: 'LEGACY', data: { conversations: {} } }],
      [{ type: 'STREAM', stream: { stream_state: {} } }],
      [{ type: 'STREAM', stream: { stream_descriptor: { name: 7 } } }],
      [{ type: 'STATE', state: { type: 'GLOBAL' } }],
      { hello: 'world' },
      null,
    ];
    for (const value of cases) {
      const error = configError(() => parseStateInput(JSON.stringify(value), FILE));
      expect(error.message, JSON.stringify(value)).toContain(FILE);
      expect(error.failureType).toBe('config_error');
    }
    expect(configError(() => parseStateInput(JSON.stringify([streamState('ok', {}), 42]), FILE)).message).toContain('entry 2');
  });
});

describe('parseCheckpoint', () => {
  it('reads a valid checkpoint, normalising the cursor to a whole UTC second', () => {
    expect(parseCheckpoint({ cursor: '2026-03-01T10:00:00Z', boundary_ids: ['a', 'b'] }, 's', FILE)).toEqual({
      cursor: '2026-03-01T10:00:00Z',
      boundary_ids: ['a', 'b'],
    });
    expect(parseCheckpoint({ cursor: '2026-03-01T12:00:00.900+02:00' }, 's', FILE)).toEqual({ cursor: '2026-03-01T10:00:00Z' });
    expect(parseCheckpoint({ cursor: '2026-03-01T10:00:00Z', boundary_ids: [] }, 's', FILE)).toEqual({ cursor: '2026-03-01T10:00:00Z' });
  });

  it('treats no state and an empty object as no checkpoint', () => {
    expect(parseCheckpoint(undefined, 's', FILE)).toBeUndefined();
    expect(parseCheckpoint(null, 's', FILE)).toBeUndefined();
    expect(parseCheckpoint({}, 's', FILE)).toBeUndefined();
  });

  it('rejects a bad cursor or bad boundary ids, naming the stream and the file', () => {
    const bad: unknown[] = [
      'cursor',
      [],
      { cursor: 5 },
      { boundary_ids: ['a'] },
      { cursor: 'last tuesday' },
      { cursor: '2026-03-01T10:00:00Z', boundary_ids: 'a' },
      { cursor: '2026-03-01T10:00:00Z', boundary_ids: ['a', 2] },
      { cursor: '2026-03-01T10:00:00Z', boundary_ids: [null] },
    ];
    for (const raw of bad) {
      const error = configError(() => parseCheckpoint(raw, 'conversations', FILE));
      expect(error.message, JSON.stringify(raw)).toContain('"conversations"');
      expect(error.message, JSON.stringify(raw)).toContain(FILE);
    }
  });
});

describe('catalogProblem agrees with the protocol schema', () => {
  it('accepts what the schema accepts and rejects what it rejects', async () => {
    const { catalogProblem } = await import('../src/protocol/catalog.js');
    const { validateConfiguredCatalog } = await import('../src/protocol/validate.js');
    const stream = { name: 's', json_schema: {}, supported_sync_modes: ['incremental'] };
    const ok = { stream, sync_mode: 'incremental', destination_sync_mode: 'append', cursor_field: ['c'], primary_key: [['id']] };
    const cases: unknown[] = [
      { streams: [] },
      { streams: [ok] },
      null,
      [],
      { streams: 'all' },
      { streams: [{ ...ok, stream: { ...stream, name: 3 } }] },
      { streams: [{ ...ok, stream: { ...stream, json_schema: 'x' } }] },
      { streams: [{ ...ok, stream: { ...stream, supported_sync_modes: [] } }] },
      { streams: [{ ...ok, destination_sync_mode: 'merge' }] },
      { streams: [{ ...ok, cursor_field: 'c' }] },
      { streams: [{ ...ok, primary_key: ['id'] }] },
      { streams: [{ stream }] },
      { streams: [{ ...ok, stream: { ...stream, supported_sync_modes: [[]] } }] },
      { streams: [{ ...ok, stream: { ...stream, supported_sync_modes: ['cdc'] } }] },
      { streams: [{ ...ok, stream: { ...stream, source_defined_cursor: 'yes' } }] },
      { streams: [{ ...ok, stream: { ...stream, default_cursor_field: [1] } }] },
      { streams: [{ ...ok, stream: { ...stream, source_defined_primary_key: [['id', 2]] } }] },
      { streams: [{ ...ok, stream: { ...stream, namespace: 5 } }] },
      { streams: [{ ...ok, sync_id: 1.5 }] },
      { streams: [{ ...ok, generation_id: 3, minimum_generation_id: 0, sync_id: 9 }] },
      { streams: [{ ...ok, include_files: 'no' }] },
    ];
    for (const c of cases) expect(catalogProblem(c) === undefined, JSON.stringify(c)).toBe(validateConfiguredCatalog(c).valid);
  });
});

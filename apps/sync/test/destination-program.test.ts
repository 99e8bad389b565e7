import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '@ada-airbyte/core';
import { validateMessage } from '@ada-airbyte/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, Workspace, duckdbQuery, ids, makeWorld, runCli, syncFake, ts } from './helpers.js';

const workspaces: Workspace[] = [];
function workspace(conversations = 0, messagesPer = 0): Workspace {
  const ws = new Workspace(makeWorld(conversations, messagesPer));
  workspaces.push(ws);
  return ws;
}
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

function parseOutput(stdout: string): AirbyteMessage[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const message = JSON.parse(line) as AirbyteMessage;
      expect(validateMessage(message).errors).toEqual([]);
      return message;
    });
}

const SCHEMA = {
  type: 'object',
  additionalProperties: true,
  properties: { _id: { type: 'string' }, updated: { type: 'string', format: 'date-time' }, n: { type: 'integer' } },
};

function catalog(mode: 'append_dedup' | 'append' | 'overwrite'): ConfiguredAirbyteCatalog {
  return {
    streams: [
      {
        stream: { name: 'items', json_schema: SCHEMA, supported_sync_modes: ['full_refresh', 'incremental'], source_defined_primary_key: [['_id']] },
        sync_mode: mode === 'overwrite' ? 'full_refresh' : 'incremental',
        destination_sync_mode: mode,
        cursor_field: ['updated'],
        primary_key: [['_id']],
      },
    ],
  };
}

const record = (id: string, n: number, second = n): string =>
  JSON.stringify({ type: 'RECORD', record: { stream: 'items', data: { _id: id, n, updated: ts(Date.UTC(2024, 0, 1), second) }, emitted_at: 1_700_000_000_000 } });
const state = (cursor: number): string =>
  JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor } } } });
const status = (s: 'COMPLETE' | 'INCOMPLETE'): string =>
  JSON.stringify({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'items' }, status: s } } });

describe('ada-sync destination duckdb (an Airbyte destination program)', () => {
  it('prints its spec and checks its config', async () => {
    const ws = workspace();
    const spec = await runCli(['destination', 'duckdb', 'spec']);
    expect(spec.code).toBe(0);
    const [message] = parseOutput(spec.stdout);
    expect(message?.type).toBe('SPEC');
    expect(message?.spec?.connectionSpecification).toMatchObject({ required: ['destination_path'] });

    writeFileSync(ws.path('ok.json'), JSON.stringify({ destination_path: ws.path('db.duckdb') }));
    const ok = await runCli(['destination', 'duckdb', 'check', '--config', ws.path('ok.json')]);
    expect(parseOutput(ok.stdout)).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);

    writeFileSync(ws.path('bad.json'), JSON.stringify({ destination_path: '/dev/null/db.duckdb' }));
    const bad = await runCli(['destination', 'duckdb', 'check', '--config', ws.path('bad.json')]);
    expect(bad.code).toBe(0);
    expect(parseOutput(bad.stdout)[0]?.connectionStatus).toEqual({
      status: 'FAILED',
      message: 'Cannot create /dev/null/db.duckdb: a part of its directory path is a file, not a directory.',
    });
  });

  it('echoes each STATE once the records before it are committed, de-duplicating on the key', async () => {
    const ws = workspace();
    writeFileSync(ws.path('config.json'), JSON.stringify({ destination_path: ws.path('db.duckdb') }));
    writeFileSync(ws.path('catalog.json'), JSON.stringify(catalog('append_dedup')));
    const input = [record('a', 1), record('b', 2), state(2), record('a', 3), record('c', 4), state(4), record('d', 5), ''].join('\n');
    const result = await runCli(['destination', 'duckdb', 'write', '--config', ws.path('config.json'), '--catalog', ws.path('catalog.json')], {
      input,
    });
    expect(result.code, result.stderr).toBe(0);
    const states = parseOutput(result.stdout).filter((m) => m.type === 'STATE');
    expect(states.map((m) => m.state?.stream?.stream_state)).toEqual([{ cursor: 2 }, { cursor: 4 }]);
    // No stream status: the end of input means the stream is complete, so `d` is committed too.
    expect(await duckdbQuery(ws.path('db.duckdb'), 'SELECT _id, n FROM items ORDER BY _id')).toEqual([
      { _id: 'a', n: '3' },
      { _id: 'b', n: '2' },
      { _id: 'c', n: '4' },
      { _id: 'd', n: '5' },
    ]);

    // An INCOMPLETE stream keeps only what its last state covers.
    const partial = [record('e', 6), state(6), record('f', 7), status('INCOMPLETE'), ''].join('\n');
    const second = await runCli(['destination', 'duckdb', 'write', '--config', ws.path('config.json'), '--catalog', ws.path('catalog.json')], {
      input: partial,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(parseOutput(second.stdout).filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect(ids(await duckdbQuery(ws.path('db.duckdb'), 'SELECT _id FROM items'))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('appends without de-duplication in append mode, and replaces the table in overwrite mode', async () => {
    const ws = workspace();
    writeFileSync(ws.path('config.json'), JSON.stringify({ destination_path: ws.path('db.duckdb') }));
    const write = (mode: 'append' | 'overwrite', input: string) => {
      writeFileSync(ws.path('catalog.json'), JSON.stringify(catalog(mode)));
      return runCli(['destination', 'duckdb', 'write', '--config', ws.path('config.json'), '--catalog', ws.path('catalog.json')], { input });
    };
    const batch = [record('a', 1), record('b', 2), state(2), ''].join('\n');
    expect((await write('append', batch)).code).toBe(0);
    expect((await write('append', batch)).code).toBe(0);
    expect(await duckdbQuery(ws.path('db.duckdb'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: '4' }]);
    expect((await write('overwrite', [record('z', 9), state(9), status('COMPLETE'), ''].join('\n'))).code).toBe(0);
    expect(await duckdbQuery(ws.path('db.duckdb'), 'SELECT _id FROM items')).toEqual([{ _id: 'z' }]);
    // A full refresh that never completes leaves the table as it was.
    expect((await write('overwrite', [record('y', 8), state(8), status('INCOMPLETE'), ''].join('\n'))).code).toBe(0);
    expect(await duckdbQuery(ws.path('db.duckdb'), 'SELECT _id FROM items')).toEqual([{ _id: 'z' }]);
  });

  it('adds a column that appears after rows went straight into a fresh table, in the same transaction', async () => {
    const ws = workspace();
    writeFileSync(ws.path('config.json'), JSON.stringify({ destination_path: ws.path('db.duckdb') }));
    writeFileSync(ws.path('catalog.json'), JSON.stringify(catalog('append_dedup')));
    // 12,000 rows covered by states (more than a batch, so some are loaded while the transaction is
    // open: commits only at the end here), then 3,000 with a field the schema lacks.
    const lines: string[] = [];
    for (let i = 0; i < 15_000; i++) {
      const data: Record<string, unknown> = { _id: `r${String(i).padStart(5, '0')}`, n: i, updated: ts(Date.UTC(2024, 0, 1), i) };
      if (i >= 12_000) data.extra = `e${i}`;
      lines.push(JSON.stringify({ type: 'RECORD', record: { stream: 'items', data, emitted_at: 1_700_000_000_000 } }));
      if (i % 1_000 === 999) lines.push(state(i));
    }
    const result = await runCli(['destination', 'duckdb', 'write', '--config', ws.path('config.json'), '--catalog', ws.path('catalog.json')], {
      input: `${lines.join('\n')}\n`,
      env: { ADA_SYNC_COMMIT_MS: '600000', ADA_SYNC_COMMIT_RECORDS: '1000000' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(
      await duckdbQuery(
        ws.path('db.duckdb'),
        `SELECT count(*) AS n, count(DISTINCT _id) AS d, count(extra) AS with_extra, count(*) FILTER (WHERE extra = 'e' || n::VARCHAR) AS right_extra, min(n) FILTER (WHERE extra IS NOT NULL) AS first_extra FROM items`,
      ),
    ).toEqual([{ n: '15000', d: '15000', with_extra: '3000', right_extra: '3000', first_extra: '12000' }]);
  });

  it('is driven by `ada-sync run --destination-command` like any Airbyte destination', async () => {
    const ws = workspace(90, 2);
    const db = ws.path('via-command.duckdb');
    writeFileSync(ws.path('dest.json'), JSON.stringify({ destination_path: db }));
    const args = ['--destination-command', `${process.execPath} ${CLI} destination duckdb`, '--destination-config', ws.path('dest.json')];

    const first = await syncFake(ws, args, ['--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).streams.map((s: { records_committed: number }) => s.records_committed)).toEqual([90, 180]);
    // The app keeps the confirmed states next to the destination config.
    const stored = JSON.parse(readFileSync(ws.path('dest.state.json'), 'utf8')) as { stream: { stream_descriptor: { name: string } } }[];
    expect(stored.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(['conversations', 'messages']);

    const world = ws.world();
    world.streams.conversations[3]!.date_updated = ts(Date.UTC(2024, 5, 1), 0);
    world.streams.conversations[3]!.platform = 'moved';
    ws.setWorld(world);
    ws.setConfig({ fail_after_records: 1 }); // fails before the changed conversation is read
    const failed = await syncFake(ws, args);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('The Ada API answered 500 Internal Server Error three times in a row.');

    ws.setConfig({});
    const second = await syncFake(ws, args, ['--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).streams[0].records_read).toBe(2);
    const rows = await duckdbQuery(db, 'SELECT _id, platform FROM conversations');
    expect(ids(rows)).toEqual(ids(world.streams.conversations));
    expect(rows.find((r) => r._id === 'c00003')?.platform).toBe('moved');
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM messages')).toEqual([{ n: '180', d: '180' }]);

    // --state-file puts the app's copy of the state elsewhere.
    const elsewhere = ws.path('elsewhere.json');
    expect((await syncFake(ws, [...args, '--state-file', elsewhere])).code).toBe(0);
    expect(existsSync(elsewhere)).toBe(true);
  });
});

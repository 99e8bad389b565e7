import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FAKE_SOURCE_COMMAND,
  Workspace,
  collect,
  ids,
  killQuietly,
  makeWorld,
  runCli,
  startCli,
  syncFake,
  ts,
  waitForFile,
} from './helpers.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('jsonl destination', () => {
  it('writes one file per stream, then only the changes, keeping one line per record', async () => {
    const ws = new Workspace(makeWorld(80, 2));
    workspaces.push(ws);
    const out = ws.path('out');
    const first = await syncFake(ws, ['--destination', `jsonl:${out}`]);
    expect(first.code, first.stderr).toBe(0);
    const conversations = lines(`${out}/conversations.jsonl`);
    expect(ids(conversations)).toEqual(ids(ws.world().streams.conversations));
    expect(conversations[0]).toMatchObject({ _airbyte_meta: { changes: [] }, _id: 'c00000', date_created: ts(Date.UTC(2024, 0, 1), 0, 0) });
    expect(typeof conversations[0]?._airbyte_raw_id).toBe('string');
    expect(lines(`${out}/messages.jsonl`)).toHaveLength(160);
    const stateFile = JSON.parse(readFileSync(`${out}/_airbyte_state.json`, 'utf8'));
    expect(Object.keys(stateFile.states).sort()).toEqual(['conversations', 'messages']);

    const world = ws.world();
    for (const c of world.streams.conversations.slice(10, 15)) {
      c.date_updated = ts(Date.UTC(2024, 5, 1), 0);
      c.platform = 'updated';
    }
    world.streams.conversations.push({ _id: 'zz', date_created: ts(Date.UTC(2024, 5, 1), 1), date_updated: ts(Date.UTC(2024, 5, 1), 1) });
    ws.setWorld(world);
    const second = await syncFake(ws, ['--destination', `jsonl:${out}`, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const conv = JSON.parse(second.stdout).streams[0];
    expect([conv.records_read, conv.inserted, conv.updated, conv.unchanged]).toEqual([7, 1, 5, 1]);
    const after = lines(`${out}/conversations.jsonl`);
    expect(ids(after)).toEqual(ids(world.streams.conversations));
    expect(after.filter((r) => r.platform === 'updated')).toHaveLength(5);
  });

  it('survives SIGKILL mid-sync: no record is lost or kept twice', async () => {
    const ws = new Workspace(makeWorld(300, 2));
    workspaces.push(ws);
    const out = ws.path('out');
    for (const killAfter of [130, 260]) {
      const signalFile = ws.path(`signal-${killAfter}`);
      ws.setConfig({ page_size: 20, delay_ms: 2, signal_after_records: killAfter, signal_file: signalFile });
      const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `jsonl:${out}`], {
        cwd: ws.dir,
      });
      const done = collect(child);
      const sourcePid = Number(await waitForFile(signalFile));
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      killQuietly(sourcePid);
    }
    ws.setConfig({ page_size: 20 });
    const rerun = await syncFake(ws, ['--destination', `jsonl:${out}`]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const world = ws.world();
    expect(ids(lines(`${out}/conversations.jsonl`))).toEqual(ids(world.streams.conversations));
    expect(ids(lines(`${out}/messages.jsonl`))).toEqual(ids(world.streams.messages));
  });

  it('keeps the previous files when a full refresh fails and swaps them when it succeeds', async () => {
    const ws = new Workspace(makeWorld(20, 1));
    workspaces.push(ws);
    const out = ws.path('out');
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`])).code).toBe(0);
    const world = ws.world();
    world.streams.conversations = world.streams.conversations.slice(0, 8);
    ws.setWorld(world);
    ws.setConfig({ fail_after_records: 3 });
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`, '--full-refresh'])).code).toBe(1);
    expect(lines(`${out}/conversations.jsonl`)).toHaveLength(20);
    ws.setConfig({});
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`, '--full-refresh'])).code).toBe(0);
    expect(ids(lines(`${out}/conversations.jsonl`))).toEqual(ids(world.streams.conversations));
  });
});

describe('jsonl destination memory', () => {
  // The whole file's lines once went through one Map at the end of a sync: a 100 MB export did not fit
  // a 64 MB heap, and every run died after committing its state, adding duplicates each time.
  it('de-duplicates a file far bigger than its heap, committing the state only with the work it covers', async () => {
    const ws = new Workspace(makeWorld(1, 1));
    workspaces.push(ws);
    const out = ws.path('out');
    const heapCapped = (extra: string[]) =>
      runCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `jsonl:${out}`, '--streams', 'messages', '--json', ...extra], {
        cwd: ws.dir,
        nodeArgs: ['--max-old-space-size=64'],
      });
    ws.setConfig({ page_size: 1000, generate: { messages: { count: 100_000, text_bytes: 1000 } } });
    const backfill = await heapCapped([]);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(lineIds(`${out}/messages.jsonl`)).toEqual(expectedIds(100_000));

    // 50 new records, and the last one again (the source's lower bound is inclusive): one line per key.
    ws.setConfig({ page_size: 1000, generate: { messages: { count: 100_050, text_bytes: 1000 } } });
    const incremental = await heapCapped([]);
    expect(incremental.code, incremental.stderr).toBe(0);
    const summary = JSON.parse(incremental.stdout) as { streams: { records_read: number; inserted: number; updated: number; unchanged: number }[] };
    expect(summary.streams[0]).toMatchObject({ records_read: 51, inserted: 50, updated: 0, unchanged: 1 });
    expect(lineIds(`${out}/messages.jsonl`)).toEqual(expectedIds(100_050));
    const state = JSON.parse(readFileSync(`${out}/_airbyte_state.json`, 'utf8'));
    expect(state.files['messages.jsonl']).toBe(statSync(`${out}/messages.jsonl`).size);
  });
});

function lineIds(path: string): string[] {
  const ids: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) if (line) ids.push((JSON.parse(line) as { _id: string })._id);
  return ids.sort();
}

function expectedIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `g${i}`).sort();
}

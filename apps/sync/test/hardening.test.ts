import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CliResult,
  FAKE_SOURCE_COMMAND,
  Workspace,
  collect,
  killQuietly,
  makeWorld,
  startCli,
  syncFake,
  waitForFile,
} from './helpers.js';

/* Smaller failures under production use (issue 14, item 7), each with the real binaries. */

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

function workspace(conversations = 20): Workspace {
  const ws = new Workspace(makeWorld(conversations, 1), { page_size: 10 });
  workspaces.push(ws);
  return ws;
}

function errorLine(result: CliResult): string | undefined {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return result.stderr.split('\n').find((l) => l.startsWith('ada-sync:'));
}

function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the JSONL folder lock', () => {
  it('is the kernel lock of a running sync, not a file naming some process', async () => {
    const ws = workspace();
    const out = ws.path('out');
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`])).code).toBe(0);
    // A lock file naming a live process that is no sync at all (this test's own).
    writeFileSync(`${out}/.ada-sync.lock`, String(process.pid));
    const unblocked = await syncFake(ws, ['--destination', `jsonl:${out}`]);
    expect(unblocked.code, unblocked.stderr).toBe(0);

    // A sync that runs holds it: a second one is refused, naming the first.
    ws.setConfig({ page_size: 10, hang_after_records: 5, signal_file: ws.path('hung') });
    const first = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `jsonl:${out}`, '--full-refresh'], {
      cwd: ws.dir,
    });
    const firstDone = collect(first);
    const sourcePid = Number(await waitForFile(ws.path('hung')));
    try {
      const second = await syncFake(ws, ['--destination', `jsonl:${out}`]);
      expect(second.code).toBe(1);
      expect(errorLine(second)).toBe(`ada-sync: Another sync (PID ${first.pid}) is writing to ${out}; wait for it to finish.`);
    } finally {
      first.kill('SIGKILL');
      await firstDone;
      killQuietly(sourcePid);
    }
    // Killed, it holds nothing.
    ws.setConfig({ page_size: 10 });
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`])).code).toBe(0);
  });
});

describe('a record with a field named like ada-sync\'s own', () => {
  it('keeps it beside ada-sync\'s in JSONL, renamed as the SQL destinations name its column', async () => {
    const ws = workspace(3);
    const world = ws.world();
    world.streams.conversations[0]!._airbyte_raw_id = 'the record\'s own';
    ws.setWorld(world);
    const out = ws.path('out');
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`])).code).toBe(0);
    const line = jsonLines(`${out}/conversations.jsonl`).find((l) => l._id === 'c00000')!;
    expect(line._airbyte_raw_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(line._airbyte_raw_id_1).toBe('the record\'s own');
  });
});

describe('a corrupt row of _airbyte_state in DuckDB', () => {
  it('gets one sentence naming the table and the stream', async () => {
    const ws = workspace();
    const db = ws.path('ada.duckdb');
    expect((await syncFake(ws, ['--destination', `duckdb:${db}`])).code).toBe(0);
    const instance = await DuckDBInstance.create(db);
    try {
      const connection = await instance.connect();
      await connection.run(`UPDATE _airbyte_state SET state = '{"type": "STREAM", "stream": {' WHERE state_key = 'conversations'`);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
    const result = await syncFake(ws, ['--destination', `duckdb:${db}`]);
    expect(result.code).toBe(1);
    expect(errorLine(result)).toBe(
      `ada-sync: The state row of stream conversations in _airbyte_state (duckdb:${db}) is not valid JSON; delete that row to read the stream again from the start.`,
    );
  });
});

describe('what a source writes that is not loaded', () => {
  it('is never printed, when a Ctrl-C cuts a record line short', async () => {
    const ws = workspace();
    ws.setConfig({ partial_record_then_hang: true, signal_file: ws.path('hung') });
    const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `duckdb:${ws.path('x.duckdb')}`], {
      cwd: ws.dir,
    });
    const done = collect(child);
    const sourcePid = Number(await waitForFile(ws.path('hung')));
    child.kill('SIGINT');
    const result = await done;
    killQuietly(sourcePid);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).not.toContain('secret customer text');
  });

  it('is told about, without its content: lines that are not JSON, records of streams not asked for', async () => {
    const ws = workspace();
    ws.setConfig({ page_size: 10, broken_line: true, unknown_stream_records: 3 });
    const result = await syncFake(ws, ['--destination', `duckdb:${ws.path('x.duckdb')}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: the source wrote 1 line that is not valid JSON; ignored, with any record in them');
    expect(result.stderr).toContain('warning: the source sent 3 records of stream "ghosts", which the catalog does not select; ignored');
    expect(result.stderr).not.toContain('secret customer text');
  });
});

describe('temporary folders of a killed sync', () => {
  it('are removed by the next sync', async () => {
    const ws = workspace();
    ws.setConfig({ page_size: 10, hang_after_records: 5, signal_file: ws.path('hung') });
    const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `duckdb:${ws.path('x.duckdb')}`], {
      cwd: ws.dir,
    });
    const done = collect(child);
    const sourcePid = Number(await waitForFile(ws.path('hung')));
    child.kill('SIGKILL');
    await done;
    killQuietly(sourcePid);
    // The startCli helper points TMPDIR at the workspace.
    const leftovers = () => readdirSync(ws.dir).filter((name) => name.startsWith('ada-sync-'));
    expect(leftovers().length).toBeGreaterThan(0);
    ws.setConfig({ page_size: 10 });
    const next = await syncFake(ws, ['--destination', `duckdb:${ws.path('x.duckdb')}`]);
    expect(next.code, next.stderr).toBe(0);
    expect(leftovers()).toEqual([]);
    expect(existsSync(ws.path('x.duckdb'))).toBe(true);
  });
});

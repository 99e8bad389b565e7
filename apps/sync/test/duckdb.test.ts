import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FAKE_SOURCE_COMMAND,
  Workspace,
  collect,
  duckdbQuery,
  ids,
  killQuietly,
  makeWorld,
  startCli,
  syncFake,
  ts,
  waitForFile,
} from './helpers.js';

const workspaces: Workspace[] = [];
function workspace(conversations = 120, messagesPer = 3): Workspace {
  const ws = new Workspace(makeWorld(conversations, messagesPer));
  workspaces.push(ws);
  return ws;
}
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

const LATER = Date.UTC(2024, 5, 1);

describe('duckdb destination', () => {
  it('syncs every record once with typed columns, then only the changes, updating rows in place', async () => {
    const ws = workspace();
    const db = ws.path('ada.duckdb');
    const first = await syncFake(ws, ['--destination', `duckdb:${db}`, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { status: string; streams: { stream: string; records_read: number; inserted: number }[] };
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.map((s) => [s.stream, s.records_read, s.inserted])).toEqual([
      ['conversations', 120, 120],
      ['messages', 360, 360],
    ]);

    const conversations = await duckdbQuery(db, 'SELECT * FROM conversations');
    expect(ids(conversations)).toEqual(ids(ws.world().streams.conversations));
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM messages')).toEqual([{ n: '360', d: '360' }]);
    const types = await duckdbQuery(
      db,
      `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'conversations' ORDER BY column_index`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
      _airbyte_raw_id: 'VARCHAR',
      _airbyte_extracted_at: 'TIMESTAMP WITH TIME ZONE',
      _airbyte_meta: 'JSON',
      _id: 'VARCHAR',
      date_created: 'TIMESTAMP WITH TIME ZONE',
      date_updated: 'TIMESTAMP WITH TIME ZONE',
      platform: 'VARCHAR',
      is_escalated: 'BOOLEAN',
      csat: 'BIGINT',
      handle_time: 'DOUBLE',
      variables: 'JSON',
      answer_ids: 'JSON',
    });
    // All six fractional digits survive.
    const [c7] = await duckdbQuery(db, `SELECT strftime(date_created AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS t, variables->>'plan' AS plan FROM conversations WHERE _id = 'c00007'`);
    expect(c7).toEqual({ t: '2024-01-01T00:07:00.000007', plan: 'pro' });

    // Ada changes 10 conversations and gets 5 new ones.
    const world = ws.world();
    for (const c of world.streams.conversations.slice(20, 30)) {
      c.date_updated = ts(LATER, 0, 42);
      c.platform = 'changed';
    }
    for (let i = 0; i < 5; i++) {
      world.streams.conversations.push({ _id: `new${i}`, date_created: ts(LATER, i), date_updated: ts(LATER, i), platform: 'web' });
    }
    ws.setWorld(world);
    const second = await syncFake(ws, ['--destination', `duckdb:${db}`, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const s2 = JSON.parse(second.stdout) as { streams: { stream: string; records_read: number; inserted: number; updated: number }[] };
    const conv = s2.streams.find((s) => s.stream === 'conversations')!;
    // Only the changes (plus the last checkpoint's record, which the source re-reads inclusively).
    expect(conv.records_read).toBe(16);
    expect(conv.inserted).toBe(5);
    expect(conv.updated).toBe(10);

    const after = await duckdbQuery(db, 'SELECT _id, platform FROM conversations');
    expect(after).toHaveLength(125);
    expect(ids(after)).toEqual(ids(world.streams.conversations));
    expect(after.filter((r) => r.platform === 'changed').map((r) => r._id).sort()).toEqual(
      world.streams.conversations.slice(20, 30).map((c) => c._id).sort(),
    );
  });

  it('turns a field Ada adds later into a new column without a reset', async () => {
    const ws = workspace(30, 1);
    const db = ws.path('ada.duckdb');
    expect((await syncFake(ws, ['--destination', `duckdb:${db}`])).code).toBe(0);

    const world = ws.world();
    // One field the schema declares from now on, one that only appears in records.
    world.extraProperties = { conversations: { sentiment_score: { type: ['null', 'number'] } } };
    world.streams.conversations.push({
      _id: 'late',
      date_created: ts(LATER, 0),
      date_updated: ts(LATER, 0),
      sentiment_score: 0.75,
      brand_new_flag: true,
    });
    ws.setWorld(world);
    const second = await syncFake(ws, ['--destination', `duckdb:${db}`]);
    expect(second.code, second.stderr).toBe(0);
    const rows = await duckdbQuery(db, `SELECT _id, sentiment_score, brand_new_flag FROM conversations ORDER BY _id`);
    expect(rows).toHaveLength(31);
    expect(rows.find((r) => r._id === 'late')).toEqual({ _id: 'late', sentiment_score: 0.75, brand_new_flag: true });
    expect(rows.find((r) => r._id === 'c00000')).toEqual({ _id: 'c00000', sentiment_score: null, brand_new_flag: null });
  });

  it('keeps a value that does not fit its column in _airbyte_meta instead of failing', async () => {
    const ws = workspace(3, 0);
    const world = ws.world();
    world.streams.conversations[0]!.csat = 'not a number';
    ws.setWorld(world);
    const db = ws.path('ada.duckdb');
    expect((await syncFake(ws, ['--destination', `duckdb:${db}`])).code).toBe(0);
    const [row] = await duckdbQuery(db, `SELECT csat, _airbyte_meta FROM conversations WHERE _id = 'c00000'`);
    expect(row?.csat).toBeNull();
    expect(JSON.parse(String(row?._airbyte_meta))).toEqual({
      changes: [{ field: 'csat', change: 'NULLED', reason: 'DESTINATION_TYPECAST_ERROR' }],
    });
  });

  it('replaces the tables on --full-refresh, and a failed full refresh leaves the previous data', async () => {
    const ws = workspace(40, 1);
    const db = ws.path('ada.duckdb');
    expect((await syncFake(ws, ['--destination', `duckdb:${db}`])).code).toBe(0);

    // Records deleted at the source disappear with a full refresh.
    const world = ws.world();
    world.streams.conversations = world.streams.conversations.slice(0, 25);
    ws.setWorld(world);

    ws.setConfig({ fail_after_records: 10 });
    const failed = await syncFake(ws, ['--destination', `duckdb:${db}`, '--full-refresh']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('The Ada API answered 500 Internal Server Error three times in a row.');
    expect(await duckdbQuery(db, 'SELECT count(*) AS n FROM conversations')).toEqual([{ n: '40' }]);
    expect(await duckdbQuery(db, `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '_airbyte_tmp%'`)).toEqual([{ n: '0' }]);

    ws.setConfig({});
    const full = await syncFake(ws, ['--destination', `duckdb:${db}`, '--full-refresh', '--json']);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout).mode).toBe('full_refresh');
    expect(ids(await duckdbQuery(db, 'SELECT _id FROM conversations'))).toEqual(ids(world.streams.conversations));
    // The state moved on with the new table: the next incremental run reads only the last checkpoint again.
    const next = await syncFake(ws, ['--destination', `duckdb:${db}`, '--json']);
    expect(JSON.parse(next.stdout).streams[0].records_read).toBe(1);
  });

  it('keeps what was committed when the source fails, prints its sentence, and resumes without duplicates', async () => {
    const ws = workspace(200, 2);
    ws.setConfig({ fail_after_records: 130, page_size: 20 });
    const db = ws.path('ada.duckdb');
    const failed = await syncFake(ws, ['--destination', `duckdb:${db}`]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('ada-sync: The Ada API answered 500 Internal Server Error three times in a row.');
    expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(failed.stdout).toContain('failed');
    // Pages of 20: the 6 complete pages before record 130 are committed, the partial 7th is not.
    expect(await duckdbQuery(db, 'SELECT count(*) AS n FROM conversations')).toEqual([{ n: '120' }]);

    ws.setConfig({ page_size: 20 });
    const resumed = await syncFake(ws, ['--destination', `duckdb:${db}`, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const conv = (JSON.parse(resumed.stdout) as { streams: { records_read: number }[] }).streams[0]!;
    expect(conv.records_read).toBe(81); // 80 left plus the checkpoint record re-read
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM conversations')).toEqual([{ n: '200', d: '200' }]);
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM messages')).toEqual([{ n: '400', d: '400' }]);
  });

  it('survives SIGKILL mid-sync: the rerun ends with every record exactly once', async () => {
    const ws = workspace(400, 3);
    const db = ws.path('ada.duckdb');
    const world = ws.world();
    const killedPids: number[] = [];
    for (const killAfter of [150, 400, 300]) {
      const signalFile = ws.path(`signal-${killAfter}`);
      ws.setConfig({ page_size: 25, delay_ms: 2, signal_after_records: killAfter, signal_file: signalFile });
      const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `duckdb:${db}`], {
        cwd: ws.dir,
      });
      const done = collect(child);
      const sourcePid = Number(await waitForFile(signalFile));
      child.kill('SIGKILL');
      killedPids.push(child.pid!);
      const killed = await done;
      expect(killed.signal).toBe('SIGKILL');
      killQuietly(sourcePid);
    }
    ws.setConfig({ page_size: 25 });
    const rerun = await syncFake(ws, ['--destination', `duckdb:${db}`]);
    expect(rerun.code, rerun.stderr).toBe(0);
    // Staging files of the killed syncs (in memory, under /dev/shm, where there is one) are gone too.
    const left = ['/dev/shm', ws.dir].flatMap((base) => (existsSync(base) ? readdirSync(base) : []));
    expect(left.filter((entry) => killedPids.some((pid) => new RegExp(`^ada-sync-stage-.+-${pid}-`).test(entry)))).toEqual([]);
    const conversations = await duckdbQuery(db, 'SELECT _id FROM conversations');
    const messages = await duckdbQuery(db, 'SELECT _id FROM messages');
    expect(ids(conversations)).toEqual(ids(world.streams.conversations));
    expect(ids(messages)).toEqual(ids(world.streams.messages));
  });

  it('stops cleanly on Ctrl-C with exit 130, keeping committed data for the next run', async () => {
    const ws = workspace(100, 0);
    const db = ws.path('ada.duckdb');
    const signalFile = ws.path('hang');
    ws.setConfig({ page_size: 10, hang_after_records: 55, signal_file: signalFile });
    const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', `duckdb:${db}`], {
      cwd: ws.dir,
    });
    const done = collect(child);
    await waitForFile(signalFile);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('ada-sync: Interrupted.');
    expect(result.stdout).toContain('was interrupted');
    expect(await duckdbQuery(db, 'SELECT count(*) AS n FROM conversations')).toEqual([{ n: '50' }]);

    ws.setConfig({ page_size: 10 });
    expect((await syncFake(ws, ['--destination', `duckdb:${db}`])).code).toBe(0);
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM conversations')).toEqual([{ n: '100', d: '100' }]);
  });

  it('syncs only the streams asked for', async () => {
    const ws = workspace(10, 1);
    const db = ws.path('ada.duckdb');
    const result = await syncFake(ws, ['--destination', `duckdb:${db}`, '--streams', 'messages', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).streams.map((s: { stream: string }) => s.stream)).toEqual(['messages']);
    expect(await duckdbQuery(db, `SELECT table_name FROM duckdb_tables() ORDER BY 1`)).toEqual([
      { table_name: '_airbyte_state' },
      { table_name: 'messages' },
    ]);
    const unknown = await syncFake(ws, ['--destination', `duckdb:${db}`, '--streams', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n').at(-1)).toBe('ada-sync: Unknown stream "nope"; the source offers conversations, messages.');
  });
});

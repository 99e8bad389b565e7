import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE_URL,
  FAKE_SOURCE_COMMAND,
  Workspace,
  collect,
  ids,
  killQuietly,
  makeWorld,
  pgQuery,
  postgresUnavailable,
  postgresUri,
  startCli,
  syncFake,
  ts,
  uniqueSchema,
  waitFor,
  waitForFile,
} from './helpers.js';

// Skipped, saying why, where PostgreSQL is not reachable; in CI that fails instead (see the helper).
const unavailable = await postgresUnavailable('PostgreSQL destination tests');

const LATER = Date.UTC(2024, 5, 1);

describe.skipIf(unavailable !== undefined)('postgres destination', () => {
  const schemas: string[] = [];
  const workspaces: Workspace[] = [];
  function setup(conversations: number, messagesPer: number): { ws: Workspace; schema: string; uri: string } {
    const ws = new Workspace(makeWorld(conversations, messagesPer));
    const schema = uniqueSchema('ada_test');
    workspaces.push(ws);
    schemas.push(schema);
    return { ws, schema, uri: postgresUri(schema) };
  }
  beforeAll(() => undefined);
  afterAll(async () => {
    for (const schema of schemas) await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const ws of workspaces) ws.cleanup();
  });

  it('syncs exact record sets with typed columns, incrementally updating changed rows in place', async () => {
    const { ws, schema, uri } = setup(150, 2);
    const first = await syncFake(ws, ['--destination', uri, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).destination).toBe(`postgres://127.0.0.1:5432/test?schema=${schema}`);

    const conversations = await pgQuery(`SELECT * FROM "${schema}".conversations`);
    expect(ids(conversations)).toEqual(ids(ws.world().streams.conversations));
    const messages = await pgQuery(`SELECT _id, text FROM "${schema}".messages`);
    expect(messages).toHaveLength(300);
    expect(messages.find((m) => m._id === 'c00003-m1')?.text).toBe('message 1 of c00003 with "quotes", commas, and a newline\nhere');
    const types = await pgQuery(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'conversations' ORDER BY ordinal_position`,
      [schema],
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
      _airbyte_raw_id: 'text',
      _airbyte_extracted_at: 'timestamp with time zone',
      _airbyte_meta: 'jsonb',
      _id: 'text',
      date_created: 'timestamp with time zone',
      date_updated: 'timestamp with time zone',
      platform: 'text',
      is_escalated: 'boolean',
      csat: 'bigint',
      handle_time: 'double precision',
      variables: 'jsonb',
      answer_ids: 'jsonb',
    });
    const [c9] = await pgQuery(
      `SELECT to_char(date_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS t, variables->>'plan' AS plan, answer_ids->>0 AS a FROM "${schema}".conversations WHERE _id = 'c00009'`,
    );
    expect(c9).toEqual({ t: '2024-01-01T00:09:00.000009', plan: 'pro', a: 'a9' });

    const world = ws.world();
    for (const c of world.streams.conversations.slice(0, 12)) {
      c.date_updated = ts(LATER, 1);
      c.csat = 99;
    }
    world.streams.conversations.push({ _id: 'fresh', date_created: ts(LATER, 2), date_updated: ts(LATER, 2) });
    world.extraProperties = { conversations: { summary: { type: ['null', 'string'] } } };
    world.streams.conversations[0]!.summary = 'a field Ada added later';
    ws.setWorld(world);

    const second = await syncFake(ws, ['--destination', uri, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const conv = JSON.parse(second.stdout).streams[0];
    expect([conv.inserted, conv.updated]).toEqual([1, 12]);
    const after = await pgQuery(`SELECT _id, csat, summary FROM "${schema}".conversations`);
    expect(after).toHaveLength(151);
    expect(after.filter((r) => r.csat === '99')).toHaveLength(12);
    expect(after.find((r) => r._id === 'c00000')?.summary).toBe('a field Ada added later');
    const [state] = await pgQuery(`SELECT state FROM "${schema}"._airbyte_state WHERE state_key = 'conversations'`);
    expect(JSON.parse(String(state?.state)).stream.stream_state.cursor).toBe(ts(LATER, 2));
  });

  it('replaces tables atomically on --full-refresh', async () => {
    const { ws, schema, uri } = setup(30, 1);
    expect((await syncFake(ws, ['--destination', uri])).code).toBe(0);
    const world = ws.world();
    world.streams.conversations = world.streams.conversations.slice(5);
    ws.setWorld(world);

    ws.setConfig({ fail_after_records: 7 });
    expect((await syncFake(ws, ['--destination', uri, '--full-refresh'])).code).toBe(1);
    expect(await pgQuery(`SELECT count(*)::int AS n FROM "${schema}".conversations`)).toEqual([{ n: 30 }]);

    ws.setConfig({});
    const full = await syncFake(ws, ['--destination', uri, '--full-refresh']);
    expect(full.code, full.stderr).toBe(0);
    expect(ids((await pgQuery(`SELECT _id FROM "${schema}".conversations`)))).toEqual(
      ids(world.streams.conversations),
    );
    const tables = await pgQuery(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema]);
    expect(tables.map((t) => t.tablename)).toEqual(['_airbyte_state', 'conversations', 'messages']);
  });

  it('gives up on a table another session keeps locked, naming both, instead of waiting for ever', async () => {
    const { ws, schema, uri } = setup(20, 1);
    expect((await syncFake(ws, ['--destination', uri])).code).toBe(0);
    // A reader's open transaction: ALTER TABLE (a field the source added) waits for it to end.
    const reader = new pg.Client({ connectionString: DATABASE_URL, application_name: 'a reader' });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM "${schema}".conversations`);
      const [{ pid }] = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      const world = ws.world();
      world.extraProperties = { conversations: { summary: { type: ['null', 'string'] } } };
      ws.setWorld(world);
      const blocked = await syncFake(ws, ['--destination', uri], [], { ADA_SYNC_LOCK_TIMEOUT_MS: '200' });
      expect(blocked.code, blocked.stderr).toBe(1);
      const sentence = blocked.stderr.split('\n').find((l) => l.startsWith('ada-sync:'));
      expect(sentence).toContain(`ada-sync: Table ${schema}.conversations is locked by another session (PID ${pid}, user postgres, application "a reader", idle in transaction`);
      expect(sentence).toContain('gave up after 4 waits of 0.2 s');
      expect(blocked.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.end();
    }
    const after = await syncFake(ws, ['--destination', uri]);
    expect(after.code, after.stderr).toBe(0);
    const columns = await pgQuery(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'conversations'`, [schema]);
    expect(columns.map((c) => c.column_name)).toContain('summary');
  });

  it('reports what it committed before its connection was killed', async () => {
    const { ws, schema, uri } = setup(150, 1);
    const signalFile = ws.path('hung');
    const releaseFile = ws.path('go-on');
    ws.setConfig({ page_size: 20, hang_after_records: 100, signal_file: signalFile, release_file: releaseFile });
    const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', uri, '--json'], { cwd: ws.dir });
    const done = collect(child);
    await waitForFile(signalFile);
    // Some pages are committed (ada-sync commits at each STATE here); then its session is killed.
    await waitFor(async () => Number((await pgQuery(`SELECT count(*)::int AS n FROM "${schema}".conversations`).catch(() => [{ n: 0 }]))[0]!.n) >= 40);
    const killed = await pgQuery(
      `SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l WHERE l.locktype = 'advisory' AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
      [`ada-sync:${schema}`],
    );
    expect(killed).toEqual([{ ok: true }]);
    writeFileSync(releaseFile, '');
    const result = await done;
    expect(result.code, result.stderr).toBe(1);
    const summary = JSON.parse(result.stdout) as { status: string; streams: { stream: string; records_committed: number }[] };
    expect(summary.status).toBe('failed');
    const [{ n }] = (await pgQuery(`SELECT count(*)::int AS n FROM "${schema}".conversations`)) as [{ n: number }];
    expect(n).toBeGreaterThanOrEqual(40);
    expect(summary.streams.find((s) => s.stream === 'conversations')?.records_committed).toBe(n);
  });

  it('survives SIGKILL mid-sync: the rerun ends with every record exactly once', async () => {
    const { ws, schema, uri } = setup(300, 3);
    for (const killAfter of [200, 500]) {
      const signalFile = ws.path(`signal-${killAfter}`);
      ws.setConfig({ page_size: 25, delay_ms: 2, signal_after_records: killAfter, signal_file: signalFile });
      const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', uri], {
        cwd: ws.dir,
      });
      const done = collect(child);
      const sourcePid = Number(await waitForFile(signalFile));
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      killQuietly(sourcePid);
    }
    ws.setConfig({ page_size: 25 });
    const rerun = await syncFake(ws, ['--destination', uri]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const world = ws.world();
    expect(ids((await pgQuery(`SELECT _id FROM "${schema}".conversations`)))).toEqual(
      ids(world.streams.conversations),
    );
    expect(ids((await pgQuery(`SELECT _id FROM "${schema}".messages`)))).toEqual(ids(world.streams.messages));
  });
});

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FAKE_SOURCE_COMMAND,
  Workspace,
  collect,
  duckdbQuery,
  makeArticles,
  makeWorld,
  pgQuery,
  postgresUnavailable,
  postgresUri,
  startCli,
  stderrLine,
  syncFake,
  uniqueSchema,
} from './helpers.js';

/*
 * A full-refresh-only stream (`articles` of the fake source) checkpoints its page position as it goes.
 * ada-sync is SIGKILLed mid-stream, right after it committed the third page; the next sync hands the
 * source that position and goes on in the half-built table, and the old table stays as it was until the
 * new one replaces it. The kill point is an event: the source logs each checkpoint after its STATE, and
 * ada-sync prints that log line only once the STATE before it is committed; the source then hangs.
 */

const pgUnavailable = await postgresUnavailable('PostgreSQL full-refresh resume tests');

interface Article {
  _id: string;
  version: number;
}

/** What a test reads of a destination. */
interface Target {
  uri: string;
  articles(): Promise<Article[]>;
  /** The unfinished full refresh's saved position, if any. */
  position(): Promise<unknown>;
  /** Rows (lines) of the half-built table (file), or undefined when it is gone. */
  tmpRows(): Promise<number | undefined>;
  dropTmp(): Promise<void>;
}

function duckdbTarget(ws: Workspace): Target {
  const path = ws.path('ada.duckdb');
  const tables = async () => (await duckdbQuery(path, 'SELECT table_name FROM duckdb_tables()')).map((r) => String(r.table_name));
  return {
    uri: `duckdb:${path}`,
    articles: async () => (await duckdbQuery(path, 'SELECT _id, version FROM articles')).map((r) => ({ _id: String(r._id), version: Number(r.version) })),
    position: async () => {
      const [row] = await duckdbQuery(path, `SELECT state FROM _airbyte_state WHERE state_key = 'articles' AND kind = 'full_refresh_in_progress'`);
      return row ? JSON.parse(String(row.state)).stream.stream_state : undefined;
    },
    tmpRows: async () =>
      (await tables()).includes('_airbyte_tmp_articles')
        ? Number((await duckdbQuery(path, 'SELECT count(*) AS n FROM _airbyte_tmp_articles'))[0]!.n)
        : undefined,
    dropTmp: async () => {
      const instance = await DuckDBInstance.create(path);
      try {
        const connection = await instance.connect();
        await connection.run('DROP TABLE _airbyte_tmp_articles');
        connection.closeSync();
      } finally {
        instance.closeSync();
      }
    },
  };
}

function postgresTarget(schema: string): Target {
  return {
    uri: postgresUri(schema),
    articles: async () =>
      (await pgQuery(`SELECT _id, version FROM "${schema}".articles`)).map((r) => ({ _id: String(r._id), version: Number(r.version) })),
    position: async () => {
      const [row] = await pgQuery(`SELECT state FROM "${schema}"._airbyte_state WHERE state_key = 'articles' AND kind = 'full_refresh_in_progress'`);
      return row ? JSON.parse(String(row.state)).stream.stream_state : undefined;
    },
    tmpRows: async () => {
      const [exists] = await pgQuery(`SELECT to_regclass($1) AS t`, [`"${schema}"._airbyte_tmp_articles`]);
      if (!exists?.t) return undefined;
      return Number((await pgQuery(`SELECT count(*)::int AS n FROM "${schema}"._airbyte_tmp_articles`))[0]!.n);
    },
    dropTmp: async () => {
      await pgQuery(`DROP TABLE "${schema}"._airbyte_tmp_articles`);
    },
  };
}

function jsonlTarget(ws: Workspace): Target {
  const dir = ws.path('out');
  const lines = (path: string) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Article);
  return {
    uri: `jsonl:${dir}`,
    articles: async () => lines(`${dir}/articles.jsonl`),
    position: async () => JSON.parse(readFileSync(`${dir}/_airbyte_state.json`, 'utf8')).in_progress?.articles?.state.stream.stream_state,
    tmpRows: async () => (existsSync(`${dir}/articles.jsonl.tmp`) ? lines(`${dir}/articles.jsonl.tmp`).length : undefined),
    dropTmp: async () => rmSync(`${dir}/articles.jsonl.tmp`),
  };
}

const workspaces: Workspace[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const ws of workspaces) ws.cleanup();
  for (const schema of schemas) await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
});

function workspace(): Workspace {
  const world = makeWorld(20, 1);
  world.streams.articles = makeArticles(60, 1);
  const ws = new Workspace(world, { page_size: 10 });
  workspaces.push(ws);
  return ws;
}

/** The states each read of the fake source was given, one array per read. */
function statesGiven(ws: Workspace): { stream?: { stream_descriptor: { name: string }; stream_state: unknown } }[][] {
  return readFileSync(ws.path('states.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function articlesStateOf(read: ReturnType<typeof statesGiven>[number] | undefined): unknown {
  return read?.find((s) => s.stream?.stream_descriptor.name === 'articles')?.stream?.stream_state;
}

/** A first full sync (version 1 of the articles), then version 2 and a sync killed after its third page. */
async function killMidFullRefresh(ws: Workspace, target: Target, extra: string[] = []): Promise<void> {
  const first = await syncFake(ws, ['--destination', target.uri]);
  expect(first.code, first.stderr).toBe(0);
  const world = ws.world();
  world.streams.articles = makeArticles(80, 2);
  ws.setWorld(world);
  ws.setConfig({ page_size: 10, hang_after_pages: 3, state_log: ws.path('states.log') });
  const child = startCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--destination', target.uri, ...extra], {
    cwd: ws.dir,
  });
  const done = collect(child);
  await stderrLine(child, 'fake: articles page 3 checkpointed');
  child.kill('SIGKILL');
  expect((await done).signal).toBe('SIGKILL');
}

function exactlyOnce(articles: Article[], count: number, version: number): void {
  expect(articles).toHaveLength(count);
  expect(new Set(articles.map((a) => a._id)).size).toBe(count);
  expect(articles.every((a) => a.version === version)).toBe(true);
}

const DESTINATIONS: { label: string; skip?: boolean; make(ws: Workspace): Target }[] = [
  { label: 'DuckDB', make: duckdbTarget },
  {
    label: 'PostgreSQL',
    skip: pgUnavailable !== undefined,
    make: () => {
      const schema = uniqueSchema('fr_resume');
      schemas.push(schema);
      return postgresTarget(schema);
    },
  },
  { label: 'JSONL', make: jsonlTarget },
];

for (const destination of DESTINATIONS) {
  describe.skipIf(destination.skip === true)(`resumable full refresh into ${destination.label}`, () => {
    it('a killed full refresh resumes at its last committed page; the old table stays until the swap', async () => {
      const ws = workspace();
      const target = destination.make(ws);
      await killMidFullRefresh(ws, target);

      // The old table as it was; the new one half-built beside it, with the position its rows reach.
      exactlyOnce(await target.articles(), 60, 1);
      expect(await target.position()).toEqual({ partition: 'all', next_page: 'page-3' });
      expect(await target.tmpRows()).toBe(30);

      // The source re-reads the page before the position: those records come twice and are kept once.
      ws.setConfig({ page_size: 10, reemit_on_resume: true, state_log: ws.path('states.log') });
      const resumed = await syncFake(ws, ['--destination', target.uri, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(articlesStateOf(statesGiven(ws).at(-1))).toEqual({ partition: 'all', next_page: 'page-3' });
      expect(resumed.stderr).toContain('resuming the full refresh of articles where the last sync stopped (30 records kept)');
      exactlyOnce(await target.articles(), 80, 2);
      expect(await target.position()).toBeUndefined();
      expect(await target.tmpRows()).toBeUndefined();
      const summary = JSON.parse(resumed.stdout) as { streams: { stream: string; status: string; records_read: number }[] };
      expect(summary.streams.find((s) => s.stream === 'articles')).toMatchObject({ status: 'complete', records_read: 60 });

      // A finished full refresh's marker is never handed back: the next one starts from the beginning.
      const next = await syncFake(ws, ['--destination', target.uri]);
      expect(next.code, next.stderr).toBe(0);
      expect(articlesStateOf(statesGiven(ws).at(-1))).toBeUndefined();
      exactlyOnce(await target.articles(), 80, 2);
    });

    it('a full refresh asked for differently, or whose half-built table is gone, starts over', async () => {
      const ws = workspace();
      const target = destination.make(ws);
      await killMidFullRefresh(ws, target);
      expect(await target.position()).toEqual({ partition: 'all', next_page: 'page-3' });

      ws.setConfig({ page_size: 10, state_log: ws.path('states.log') });
      const other = await syncFake(ws, ['--destination', target.uri, '--full-refresh', '--streams', 'articles']);
      expect(other.code, other.stderr).toBe(0);
      expect(articlesStateOf(statesGiven(ws).at(-1))).toBeUndefined();
      exactlyOnce(await target.articles(), 80, 2);
      expect(await target.position()).toBeUndefined();

      await killMidFullRefresh(ws, target);
      await target.dropTmp();
      ws.setConfig({ page_size: 10, state_log: ws.path('states.log') });
      const gone = await syncFake(ws, ['--destination', target.uri]);
      expect(gone.code, gone.stderr).toBe(0);
      expect(gone.stderr).toMatch(/the unfinished full refresh of articles starts over: .*(is gone|holds)/);
      expect(articlesStateOf(statesGiven(ws).at(-1))).toBeUndefined();
      exactlyOnce(await target.articles(), 80, 2);
    });
  });
}

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace, duckdbQuery, makeArticles, makeWorld, syncFake } from './helpers.js';

/*
 * A stream the source ends INCOMPLETE while the read itself succeeds (source-ada skips an API the Ada
 * account does not have, with a warning) is not finished: its full refresh must not replace the table.
 */

const workspaces: Workspace[] = [];
afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

const DESTINATIONS = [
  {
    label: 'DuckDB',
    uri: (ws: Workspace) => `duckdb:${ws.path('ada.duckdb')}`,
    articles: async (ws: Workspace) => (await duckdbQuery(ws.path('ada.duckdb'), 'SELECT version FROM articles')).map((r) => Number(r.version)),
  },
  {
    label: 'JSONL',
    uri: (ws: Workspace) => `jsonl:${ws.path('out')}`,
    articles: async (ws: Workspace) =>
      readFileSync(ws.path('out/articles.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number((JSON.parse(l) as { version: number }).version)),
  },
];

describe.each(DESTINATIONS)('a stream the source skips, into $label', ({ uri, articles }) => {
  it('keeps its table, and the sync succeeds saying the stream was skipped and why', async () => {
    const world = makeWorld(10, 1);
    world.streams.articles = makeArticles(30, 1);
    const ws = new Workspace(world, { page_size: 10 });
    workspaces.push(ws);
    expect((await syncFake(ws, ['--destination', uri(ws)])).code).toBe(0);

    world.streams.articles = makeArticles(40, 2);
    ws.setWorld(world);
    ws.setConfig({ page_size: 10, skip_streams: ['articles'] });
    const skipped = await syncFake(ws, ['--destination', uri(ws), '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    const summary = JSON.parse(skipped.stdout) as { status: string; streams: { stream: string; status: string; reason?: string }[] };
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.find((s) => s.stream === 'articles')).toEqual(
      expect.objectContaining({ status: 'skipped', reason: 'Skipping stream articles: the Ada account has no access to its API (403 Forbidden).' }),
    );
    expect(summary.streams.find((s) => s.stream === 'conversations')?.status).toBe('complete');
    expect(await articles(ws)).toEqual(Array(30).fill(1));

    const table = await syncFake(ws, ['--destination', uri(ws)]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^articles\s+skipped\s/m);
    expect(table.stdout).toContain('articles was skipped by the source: Skipping stream articles: the Ada account has no access to its API (403 Forbidden).');
    expect(await articles(ws)).toEqual(Array(30).fill(1));
  });
});

import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace, duckdbQuery, ids, makeWorld, pgQuery, postgresUnavailable, postgresUri, syncFake, uniqueSchema } from './helpers.js';

/*
 * The stored state says what the destination holds. When a stream's table or file went missing, or
 * holds less than when its state was committed, the state no longer tells the truth: the stream is
 * read again from the start (and the sync says so), instead of going on from a cursor past records
 * that are not there any more.
 */

const pgUnavailable = await postgresUnavailable('PostgreSQL lost-data tests');

const workspaces: Workspace[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const ws of workspaces) ws.cleanup();
  for (const schema of schemas) await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
});

function workspace(): Workspace {
  const ws = new Workspace(makeWorld(60, 2), { page_size: 20 });
  workspaces.push(ws);
  return ws;
}

interface Target {
  uri: string;
  conversationIds(): Promise<string[]>;
  /** Drops the conversations table (file). */
  drop(): Promise<void>;
  /** Deletes some of its rows (cuts the file back by whole lines). */
  shorten(): Promise<void>;
}

async function duckdbExec(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    await connection.run(sql);
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
}

function duckdbTarget(ws: Workspace): Target {
  const path = ws.path('ada.duckdb');
  return {
    uri: `duckdb:${path}`,
    conversationIds: async () => ids(await duckdbQuery(path, 'SELECT _id FROM conversations')),
    drop: () => duckdbExec(path, 'DROP TABLE conversations'),
    shorten: () => duckdbExec(path, `DELETE FROM conversations WHERE _id >= 'c00030'`),
  };
}

function postgresTarget(): Target {
  const schema = uniqueSchema('lost_data');
  schemas.push(schema);
  return {
    uri: postgresUri(schema),
    conversationIds: async () => ids(await pgQuery(`SELECT _id FROM "${schema}".conversations`)),
    drop: async () => {
      await pgQuery(`DROP TABLE "${schema}".conversations`);
    },
    shorten: async () => {
      await pgQuery(`DELETE FROM "${schema}".conversations WHERE _id >= 'c00030'`);
    },
  };
}

function jsonlLines(path: string): { _id: string }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { _id: string });
}

function jsonlTarget(ws: Workspace): Target {
  const file = ws.path('out/conversations.jsonl');
  return {
    uri: `jsonl:${ws.path('out')}`,
    conversationIds: async () => ids(jsonlLines(file)),
    drop: async () => rmSync(file),
    shorten: async () => {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.split('\n').slice(0, 30).join('\n') + '\n');
    },
  };
}

const DESTINATIONS: { label: string; skip?: boolean; make(ws: Workspace): Target }[] = [
  { label: 'DuckDB', make: duckdbTarget },
  { label: 'PostgreSQL', skip: pgUnavailable !== undefined, make: () => postgresTarget() },
  { label: 'JSONL', make: jsonlTarget },
];

for (const destination of DESTINATIONS) {
  describe.skipIf(destination.skip === true)(`a stream whose data went missing, in ${destination.label}`, () => {
    it('is read again from the start when its table is gone, and when it holds fewer rows than its state says', async () => {
      const ws = workspace();
      const target = destination.make(ws);
      const all = ids(ws.world().streams.conversations);
      expect((await syncFake(ws, ['--destination', target.uri])).code).toBe(0);
      expect(await target.conversationIds()).toEqual(all);

      await target.drop();
      const afterDrop = await syncFake(ws, ['--destination', target.uri]);
      expect(afterDrop.code, afterDrop.stderr).toBe(0);
      expect(afterDrop.stderr).toMatch(/warning: reading conversations again from the start: its (table|file) .*conversations.* is gone/);
      expect(afterDrop.stderr).not.toContain('reading messages again');
      expect(await target.conversationIds()).toEqual(all);

      await target.shorten();
      const afterShorten = await syncFake(ws, ['--destination', target.uri]);
      expect(afterShorten.code, afterShorten.stderr).toBe(0);
      expect(afterShorten.stderr).toMatch(/warning: reading conversations again from the start: .*(fewer|holds)/);
      expect(await target.conversationIds()).toEqual(all);

      // Once whole again, the next sync goes on from its state as usual.
      const next = await syncFake(ws, ['--destination', target.uri]);
      expect(next.stderr).not.toContain('again from the start');
    });
  });
}

describe('a JSONL committed length that does not end a line', () => {
  it('never cuts a line in half: the stream is read again from the start', async () => {
    const ws = workspace();
    const out = ws.path('out');
    expect((await syncFake(ws, ['--destination', `jsonl:${out}`])).code).toBe(0);
    const statePath = `${out}/_airbyte_state.json`;
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const size = statSync(`${out}/conversations.jsonl`).size;
    // A tampered length, 10 bytes into the last line.
    state.files['conversations.jsonl'] = size - 10;
    writeFileSync(statePath, JSON.stringify(state));
    const rerun = await syncFake(ws, ['--destination', `jsonl:${out}`]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('which does not end a line');
    const lines = jsonlLines(`${out}/conversations.jsonl`);
    expect(ids(lines)).toEqual(ids(ws.world().streams.conversations));
  });
});

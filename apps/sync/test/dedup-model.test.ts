import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace, duckdbQuery, makeWorld, runCli } from './helpers.js';

/*
 * Generated message sequences through `ada-sync destination duckdb write` into a fresh table, checked
 * against a model of append_dedup: one row per key, the newest cursor wins, on equal cursors the
 * record that came later. A fresh table starts with rows loaded straight into it; a key seen twice
 * sends the stream through staging and the merge, at any point of the sequence, so both paths and
 * the hand-over between them are checked. FC_SEED=n replays a run.
 */
const SEED = Number(process.env.FC_SEED) || (process.env.CI ? 20261127 : Math.floor(Math.random() * 2 ** 31));

type Event = { kind: 'record'; id: string; cursor: number; extra: boolean } | { kind: 'state' };

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('record' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), cursor: fc.integer({ min: 0, max: 4 }), extra: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'state' as const }) },
);

const CATALOG = {
  streams: [
    {
      stream: {
        name: 'items',
        json_schema: { type: 'object', properties: { _id: { type: 'string' }, updated: { type: 'string', format: 'date-time' }, n: { type: 'integer' } } },
        supported_sync_modes: ['incremental'],
        source_defined_primary_key: [['_id']],
      },
      sync_mode: 'incremental',
      destination_sync_mode: 'append_dedup',
      cursor_field: ['updated'],
      primary_key: [['_id']],
    },
  ],
};

function input(events: Event[]): string {
  return events
    .map((e, n) => {
      if (e.kind === 'state') {
        return JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { n } } } });
      }
      const data: Record<string, unknown> = { _id: e.id, updated: new Date(Date.UTC(2024, 0, 1, 0, 0, e.cursor)).toISOString(), n };
      // A field the schema lacks, appearing part way: a new column mid-stream.
      if (e.extra) data.note = `note ${n}`;
      return JSON.stringify({ type: 'RECORD', record: { stream: 'items', data, emitted_at: 1_700_000_000_000 } });
    })
    .join('\n');
}

/** The rows append_dedup must leave: per key, the highest cursor, the later record on a tie. */
function model(events: Event[]): { _id: string; n: string }[] {
  const winners = new Map<string, { cursor: number; n: number }>();
  events.forEach((e, n) => {
    if (e.kind !== 'record') return;
    const best = winners.get(e.id);
    if (!best || e.cursor >= best.cursor) winners.set(e.id, { cursor: e.cursor, n });
  });
  return [...winners].map(([id, w]) => ({ _id: id, n: String(w.n) })).sort((a, b) => a._id.localeCompare(b._id));
}

const workspaces: Workspace[] = [];
afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

describe('append_dedup into a fresh DuckDB table', () => {
  for (const [label, env] of [
    ['committing at every state', { ADA_SYNC_COMMIT_MS: '0', ADA_SYNC_COMMIT_RECORDS: '0' }],
    ['committing once at the end', { ADA_SYNC_COMMIT_MS: '600000', ADA_SYNC_COMMIT_RECORDS: '1000000' }],
  ] as const) {
    it(`keeps one row per key, the newest, ${label}`, async () => {
      const ws = new Workspace(makeWorld(0, 0));
      workspaces.push(ws);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 30 }), async (events) => {
          run++;
          const db = ws.path(`model-${run}.duckdb`);
          writeFileSync(ws.path('config.json'), JSON.stringify({ destination_path: db }));
          writeFileSync(ws.path('catalog.json'), JSON.stringify(CATALOG));
          const result = await runCli(['destination', 'duckdb', 'write', '--config', ws.path('config.json'), '--catalog', ws.path('catalog.json')], {
            input: `${input(events)}\n`,
            env,
          });
          expect(result.code, result.stderr).toBe(0);
          const expected = model(events);
          const rows = expected.length === 0 ? [] : await duckdbQuery(db, 'SELECT _id, n FROM items ORDER BY _id');
          expect(rows).toEqual(expected);
        }),
        { seed: SEED + (label.length % 7), numRuns: 10 },
      );
    });
  }
});

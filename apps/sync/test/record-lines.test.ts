import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isPlainTimestamp, parseTimestampMicros, toCell } from '../src/schema-columns.js';
import { APP_DIR, runCli } from './helpers.js';

/**
 * DuckDB loads a record from the line source-ada wrote, by field name, whenever the record's values
 * are already what the JavaScript path would make of them. These tests hold the two paths to the same
 * tables: ADA_SYNC_RECORD_LINES=on (lines trusted, as source-ada's are) against =off (every record
 * converted in JavaScript).
 */

const LINES_SOURCE = `${process.execPath} ${join(APP_DIR, 'test', 'fixtures', 'lines-source.mjs')}`;
const dir = mkdtempSync(join(tmpdir(), 'record-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withDuckDB<T>(fn: (query: (sql: string) => Promise<unknown[][]>) => Promise<T>, attach: string[] = []): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const [i, path] of attach.entries()) await connection.run(`ATTACH '${path}' AS db${i} (READ_ONLY)`);
    return await fn(async (sql) => (await connection.runAndReadAll(sql)).getRowsJson());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function sync(db: string, lines: 'on' | 'off', env: Record<string, string>): Promise<void> {
  const result = await runCli(['run', '--config', join(dir, 'config.json'), '--source-command', LINES_SOURCE, '--destination', `duckdb:${db}`, '--json'], {
    cwd: dir,
    env: { ADA_SYNC_RECORD_LINES: lines, ...env },
  });
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout).status).toBe('succeeded');
}

/** Columns (name and type, in order) and rows (all but the random _airbyte_raw_id) of each table must be the same. */
async function expectSameTables(a: string, b: string): Promise<void> {
  await withDuckDB(async (query) => {
    for (const table of ['things', 'others', 'empties']) {
      const columnsOf = (db: string) =>
        query(`SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = '${db}' AND table_name = '${table}' ORDER BY column_index`);
      const columns = await columnsOf('db0');
      expect(await columnsOf('db1'), table).toEqual(columns);
      expect(columns.length, table).toBeGreaterThan(12);
      const list = columns
        .map(([name]) => `"${String(name).replaceAll('"', '""')}"`)
        .filter((c) => c !== '"_airbyte_raw_id"')
        .join(', ');
      const [[rows, missing, extra]] = (await query(
        `SELECT (SELECT count(*) FROM db0."${table}"), ` +
          `(SELECT count(*) FROM (SELECT ${list} FROM db0."${table}" EXCEPT ALL SELECT ${list} FROM db1."${table}")), ` +
          `(SELECT count(*) FROM (SELECT ${list} FROM db1."${table}" EXCEPT ALL SELECT ${list} FROM db0."${table}"))`,
      )) as [[string, string, string]];
      expect([missing, extra], `${table}: rows of one not in the other`).toEqual(['0', '0']);
      expect(Number(rows), table).toBeGreaterThan(0);
    }
  }, [a, b]);
}

describe('record lines', () => {
  it('reads a plain timestamp or date to the same value in DuckDB as in JavaScript', async () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const timestamp = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two(13), two(31), two(24), two(59), two(60), fc.stringMatching(/^(\.[0-9]{1,9})?$/))
      .map(([y, mo, d, h, mi, s, f]) => `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}${f}Z`);
    const samples = fc.sample(timestamp, { seed: 11, numRuns: 4000 });
    const plain = samples.filter(isPlainTimestamp);
    // The sample must hold both kinds, or the test proves nothing.
    expect(plain.length).toBeGreaterThan(500);
    expect(samples.length - plain.length).toBeGreaterThan(500);
    await withDuckDB(async (query) => {
      const list = plain.map((t) => `('${t}')`).join(', ');
      const rows = await query(
        `SELECT t, epoch_us(TRY_CAST(t AS TIMESTAMPTZ))::VARCHAR, TRY_CAST(substr(t, 1, 10) AS DATE)::VARCHAR FROM (VALUES ${list}) v(t)`,
      );
      for (const [t, micros, day] of rows as [string, string | null, string | null][]) {
        expect(micros, t).toBe(String(parseTimestampMicros(t)));
        // A plain timestamp starts with a plain date, which DuckDB reads as toCell does.
        const days = toCell(t.slice(0, 10), 'date') as number;
        expect(day, t).toBe(new Date(days * 86_400_000).toISOString().slice(0, 10));
      }
    });
  });

  it('loads the same tables from record lines as from converted records, on a first sync and on a merge', async () => {
    writeFileSync(join(dir, 'config.json'), '{}');
    const on = join(dir, 'on.duckdb');
    const off = join(dir, 'off.duckdb');
    // A first sync loads straight into new tables, committing once at the end.
    const once = { ADA_SYNC_COMMIT_MS: '60000', ADA_SYNC_COMMIT_RECORDS: '1000000' };
    await sync(on, 'on', once);
    await sync(off, 'off', once);
    await expectSameTables(on, off);
    // The same records again go through the staging table and a merge, committing at every state.
    await sync(on, 'on', {});
    await sync(off, 'off', {});
    await expectSameTables(on, off);
  });
});

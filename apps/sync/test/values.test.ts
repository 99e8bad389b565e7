import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_DIR, duckdbQuery, runCli } from './helpers.js';
// @ts-expect-error: a plain ES module shared with the fixture source, without types
import { STORED } from './fixtures/value-cases.mjs';

const VALUE_SOURCE = `${process.execPath} ${join(APP_DIR, 'test', 'fixtures', 'value-source.mjs')}`;
const dir = mkdtempSync(join(tmpdir(), 'values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// With record lines on, DuckDB reads the records that fit from the lines as they came (record-lines.test.ts).
describe.each(['off', 'on'])('values, ADA_SYNC_RECORD_LINES=%s', (recordLines) => {
  it('stores what the source sent, whatever the characters, sizes and line ends', async () => {
    writeFileSync(join(dir, 'config.json'), '{}');
    const db = join(dir, `values-${recordLines}.duckdb`);
    const result = await runCli(['run', '--config', join(dir, 'config.json'), '--source-command', VALUE_SOURCE, '--destination', `duckdb:${db}`, '--json'], {
      cwd: dir,
      env: { ADA_SYNC_RECORD_LINES: recordLines },
    });
    expect(result.code, result.stderr).toBe(0);
    const rows = await duckdbQuery(
      db,
      `SELECT _id, s, j::VARCHAR AS j, n, i, b, epoch_us(t)::VARCHAR AS t_us, d::VARCHAR AS d, _airbyte_meta::VARCHAR AS meta, epoch_us(_airbyte_extracted_at)::VARCHAR AS extracted_us FROM items ORDER BY _id`,
    );
    const expected = STORED as Record<string, Record<string, unknown>>;
    expect(rows.map((r) => r._id).sort()).toEqual(Object.keys(expected).sort());
    for (const row of rows) {
      const want = expected[String(row._id)]!;
      for (const [column, value] of Object.entries(want)) {
        // getRowObjectsJson gives doubles as numbers and BIGINTs as strings.
        expect(row[column], `${String(row._id)}.${column}`).toEqual(value);
      }
      expect(row.meta, String(row._id)).toBe('{"changes":[]}');
      expect(row.extracted_us, String(row._id)).toBe('1700000000123000');
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { TableLayout, recordToRow } from './dist/schema-columns.js';
const catalog = JSON.parse(readFileSync('/tmp/e2e/catalog.json', 'utf8'));
const layout = new TableLayout({ caseInsensitive: true, maxBytes: 255 }, [], catalog.streams[0].stream.json_schema);
const lines = readFileSync('/tmp/e2e/records.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 100000);
const rows = lines.map((l, i) => recordToRow(JSON.parse(l).record, layout, 'uuid-' + i));
const cols = [{ name: '_airbyte_raw_id', kind: 'raw_id' }, { name: '_airbyte_extracted_at', kind: 'extracted_at' }, { name: '_airbyte_meta', kind: 'meta' }, ...layout.columns.map((c) => ({ name: c.name, kind: c.type })), { name: '_ab_seq', kind: 'seq' }];
const T = { string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'BIGINT', date: 'INTEGER', json: 'JSON', raw_id: 'VARCHAR', extracted_at: 'BIGINT', meta: 'JSON', seq: 'BIGINT' };
const FT = { string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMPTZ', date: 'DATE', json: 'JSON', raw_id: 'VARCHAR', extracted_at: 'TIMESTAMPTZ', meta: 'JSON', seq: 'BIGINT' };
const cell = (c, r, seq) => c.kind === 'raw_id' ? r.rawId : c.kind === 'extracted_at' ? r.extractedAtMicros : c.kind === 'meta' ? r.meta : c.kind === 'seq' ? seq : r.cells.get(c.name) ?? null;
function jsonLine(r, seq) { let s = '{'; cols.forEach((c, i) => { const v = cell(c, r, seq); s += (i ? ',' : '') + `"c${i}":` + (v === null ? 'null' : (c.kind === 'json' || c.kind === 'meta') ? v : typeof v === 'string' ? JSON.stringify(v) : String(v)); }); return s + '}\n'; }
const conv = (c, f) => (c.kind === 'timestamp' || c.kind === 'extracted_at') ? `timezone('UTC', make_timestamp(${f}))` : c.kind === 'date' ? `(DATE '1970-01-01' + ${f})` : f;
const B = 10000;
const files = [];
for (let s = 0; s < rows.length; s += B) { const f = `/dev/shm/xp-${s}.jsonl`; writeFileSync(f, rows.slice(s, s + B).map((r, i) => jsonLine(r, s + i)).join('')); files.push(f); }
const src = (f) => `read_json('${f}', format='newline_delimited', records=true, auto_detect=false, maximum_object_size=16777216, columns={${cols.map((c, i) => `c${i}: '${T[c.kind]}'`).join(', ')}})`;
const dataCols = cols.filter((c) => c.kind !== 'seq');
const sel = cols.map((c, i) => ({ c, f: `c${i}` })).filter(({ c }) => c.kind !== 'seq').map(({ c, f }) => conv(c, f)).join(', ');
async function trial(label, threads, fn) {
  const path = '/tmp/e2e/xp.duckdb'; for (const x of [path, path + '.wal']) { try { (await import('node:fs')).rmSync(x); } catch {} }
  const inst = await DuckDBInstance.create(path, { threads: String(threads) });
  const con = await inst.connect();
  await con.run(`CREATE TABLE t (${dataCols.map((c) => `"${c.name}" ${FT[c.kind]}`).join(', ')})`);
  const cu = process.cpuUsage(); const t = performance.now();
  await fn(con);
  const t2 = performance.now(); con.closeSync(); inst.closeSync(); const t3 = performance.now();
  const c2 = process.cpuUsage(cu);
  console.log(label, `threads=${threads}`, 'wall', (t2 - t).toFixed(0), 'close', (t3 - t2).toFixed(0), 'cpu', ((c2.user + c2.system) / 1000).toFixed(0));
}
for (const threads of [1, 2]) {
  await trial('parse only (count)', threads, async (con) => { for (const f of files) await con.run(`SELECT count(*) FROM ${src(f)}`); });
  await trial('parse all cols (max of each)', threads, async (con) => { for (const f of files) await con.run(`SELECT ${cols.map((c, i) => `max(length(c${i}::VARCHAR))`).join(',')} FROM ${src(f)}`); });
  await trial('insert in txn + commit', threads, async (con) => { await con.run('BEGIN'); for (const f of files) await con.run(`INSERT INTO t SELECT ${sel} FROM ${src(f)}`); await con.run('COMMIT'); });
}

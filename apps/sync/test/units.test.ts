import { Writable } from 'node:stream';
import type { AirbyteCatalog } from '@ada-airbyte/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommitPolicy, PendingStates } from '../src/destinations/checkpoints.js';
import { parseDestinationUri } from '../src/destinations/index.js';
import { KeyFingerprints, SeenKeys } from '../src/destinations/key-fingerprints.js';
import { LineBatch } from '../src/destinations/line-batch.js';
import { parsePostgresUri } from '../src/destinations/postgres.js';
import { DestinationError, SourceError, UsageError, errorSentence, exitCodeFor, InterruptedError } from '../src/errors.js';
import { parseLine, parseProgressLog } from '../src/messages.js';
import { Progress } from '../src/progress.js';
import { configureCatalog } from '../src/run.js';
import {
  TableLayout,
  columnTypeOf,
  compareCells,
  formatMicros,
  parseTimestampMicros,
  recordToRow,
  shortenIdentifier,
  toCell,
} from '../src/schema-columns.js';
import { StreamCounters } from '../src/summary.js';

describe('schema-columns', () => {
  it('maps JSON schema types to column types', () => {
    expect(columnTypeOf({ type: ['null', 'string'], format: 'date-time' })).toBe('timestamp');
    expect(columnTypeOf({ type: 'string', airbyte_type: 'timestamp_with_timezone' })).toBe('timestamp');
    expect(columnTypeOf({ type: 'string', format: 'date' })).toBe('date');
    expect(columnTypeOf({ type: ['string', 'null'] })).toBe('string');
    expect(columnTypeOf({ type: 'integer' })).toBe('integer');
    expect(columnTypeOf({ type: 'number', airbyte_type: 'integer' })).toBe('integer');
    expect(columnTypeOf({ type: ['null', 'number'] })).toBe('number');
    expect(columnTypeOf({ type: 'boolean' })).toBe('boolean');
    expect(columnTypeOf({ type: ['null', 'object'] })).toBe('json');
    expect(columnTypeOf({ type: 'array', items: { type: 'string' } })).toBe('json');
    expect(columnTypeOf({ type: ['string', 'number'] })).toBe('json');
    expect(columnTypeOf({ anyOf: [{ type: 'null' }, { type: 'string', format: 'date-time' }] })).toBe('timestamp');
    expect(columnTypeOf({})).toBe('json');
  });

  it('parses RFC 3339 timestamps to microseconds and back', () => {
    const micros = parseTimestampMicros('2024-03-05T06:07:08.123456Z')!;
    expect(formatMicros(micros)).toBe('2024-03-05T06:07:08.123456Z');
    expect(parseTimestampMicros('2024-03-05T06:07:08Z')).toBe(BigInt(Date.UTC(2024, 2, 5, 6, 7, 8)) * 1000n);
    expect(parseTimestampMicros('2024-03-05T08:07:08.5+02:00')).toBe(parseTimestampMicros('2024-03-05T06:07:08.500000Z'));
    expect(parseTimestampMicros('2024-03-05 06:07:08')).toBe(parseTimestampMicros('2024-03-05T06:07:08Z'));
    expect(formatMicros(parseTimestampMicros('1969-12-31T23:59:59.999999Z')!)).toBe('1969-12-31T23:59:59.999999Z');
    expect(parseTimestampMicros('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseTimestampMicros('yesterday')).toBeUndefined();
  });

  it('reads canonical timestamps by their characters exactly as the general parser does', () => {
    // A leading space sends a string down the general path (regular expression and Date), which the
    // character-code path must agree with on every string it takes, valid or not.
    const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const canonical = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(fc.stringMatching(/^[0-9]{0,10}$/)))
      .map(([y, mo, d, h, mi, s, f]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f === null ? '' : `.${f}`}Z`);
    const plausible = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 86_400 }), fc.integer({ min: 0, max: 999_999 }))
      .map(([y, mo, d, s, us]) => {
        const p = (v: number, n = 2) => String(v).padStart(n, '0');
        return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(Math.floor(s / 3600) % 24)}:${p(Math.floor(s / 60) % 60)}:${p(s % 61)}.${p(us, 6)}Z`;
      });
    fc.assert(
      fc.property(fc.oneof(canonical, plausible), (text) => {
        const micros = parseTimestampMicros(text);
        expect(micros, text).toBe(parseTimestampMicros(` ${text}`));
        // And Date, which knows nothing of either path, agrees on which dates exist and their day.
        const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
        const date = new Date(0);
        date.setUTCFullYear(y, mo - 1, d);
        const exists = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
        if (!exists) expect(micros, text).toBeUndefined();
        else if (micros !== undefined) {
          const day = 86_400_000_000n;
          const floorDays = micros / day - (micros % day < 0n ? 1n : 0n);
          expect(Number(floorDays), text).toBe(date.getTime() / 86_400_000);
        }
      }),
      { numRuns: 5_000 },
    );
    expect(parseTimestampMicros('2024-02-29T23:59:60.1234567Z')).toBe(BigInt(Date.UTC(2024, 1, 29, 23, 59, 59)) * 1000n + 123_456n);
    expect(parseTimestampMicros('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseTimestampMicros('2024-01-01T00:00:00.Z')).toBeUndefined();
    expect(parseTimestampMicros('9999-12-31T23:59:59.999999Z')).toBe(253_402_300_799_999_999n);
    expect(parseTimestampMicros('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000n);
  });

  it('converts values to cells, refusing what does not fit', () => {
    expect(toCell('x', 'string')).toBe('x');
    expect(toCell(5, 'string')).toBe('5');
    expect(toCell({ a: 1 }, 'string')).toBe('{"a":1}');
    expect(toCell(['a'], 'json')).toBe('["a"]');
    expect(toCell('12', 'integer')).toBe(12);
    expect(toCell(1.5, 'integer')).toBeUndefined();
    expect(toCell('1e3', 'number')).toBe(1000);
    expect(toCell('x', 'number')).toBeUndefined();
    expect(toCell('true', 'boolean')).toBe(true);
    expect(toCell(1, 'boolean')).toBeUndefined();
    expect(toCell('2024-01-02', 'date')).toBe(19724);
    expect(toCell(null, 'integer')).toBeNull();
    expect(compareCells(null, 1)).toBe(-1);
    expect(compareCells(2n, 1n)).toBe(1);
  });

  it('adds columns for new fields, avoids collisions, and finds the same columns on the next run', () => {
    const rules = { caseInsensitive: true, maxBytes: 255 };
    const schema = { properties: { name: { type: 'string' }, _airbyte_meta: { type: 'string' } } };
    const first = new TableLayout(rules, [{ name: 'Name', type: 'string' }], schema);
    expect(first.columns.map((c) => [c.field, c.name])).toEqual([
      ['name', 'name_1'],
      ['_airbyte_meta', '_airbyte_meta_1'],
    ]);
    expect(first.addUnknownFields({ Name: 'x', fresh: 1.5, later: null }).map((c) => [c.field, c.name, c.type])).toEqual([
      ['Name', 'Name', 'string'],
      ['fresh', 'fresh', 'number'],
    ]);
    // The next run sees the table as the first one left it.
    const existing = [{ name: 'Name', type: 'string' as const }, ...first.columns.map((c) => ({ name: c.name, type: c.type }))];
    const second = new TableLayout(rules, existing, schema);
    expect(second.columns.map((c) => [c.field, c.name])).toEqual([
      ['name', 'name_1'],
      ['_airbyte_meta', '_airbyte_meta_1'],
    ]);
    expect(second.addUnknownFields({ fresh: 'now a string', Name: 'y' }).map((c) => [c.field, c.name, c.type])).toEqual([
      ['fresh', 'fresh', 'number'],
      ['Name', 'Name', 'string'],
    ]);
    const pgLayout = new TableLayout({ caseInsensitive: false, maxBytes: 63 }, [], { properties: { ['x'.repeat(80)]: { type: 'string' } } });
    expect(Buffer.byteLength(pgLayout.columns[0]!.name)).toBeLessThanOrEqual(63);
    expect(shortenIdentifier('é'.repeat(40), 63)).toMatch(/^é+_[0-9a-f]{8}$/);
  });

  it('turns a record into a row, nulling what does not fit and saying so in _airbyte_meta', () => {
    const layout = new TableLayout({ caseInsensitive: true, maxBytes: 255 }, [], {
      properties: { n: { type: 'integer' }, t: { type: 'string', format: 'date-time' } },
    });
    const row = recordToRow({ data: { n: 'many', t: '2024-01-01T00:00:00Z' }, emitted_at: 1_700_000_000_123 }, layout, 'id-1');
    const cellOf = (name: string) => row.cells[layout.columns.findIndex((c) => c.name === name)];
    expect(cellOf('n')).toBeNull();
    expect(cellOf('t')).toBe(1_704_067_200_000_000n);
    expect(row.extractedAtMicros).toBe(1_700_000_000_123_000n);
    expect(JSON.parse(row.meta)).toEqual({ changes: [{ field: 'n', change: 'NULLED', reason: 'DESTINATION_TYPECAST_ERROR' }] });
  });

  it('gives a field named "" a column with a name (databases have no empty names)', () => {
    const layout = new TableLayout({ caseInsensitive: true, maxBytes: 255 }, [], { properties: { _1: { type: 'string' } } });
    const [column] = layout.addUnknownFields({ '': 'x' });
    expect(column).toEqual({ field: '', name: '_2', type: 'string' });
    const again = new TableLayout({ caseInsensitive: true, maxBytes: 255 }, [{ name: '_2', type: 'string' }], { properties: { _1: { type: 'string' } } });
    expect(again.addUnknownFields({ '': 'y' })[0]?.name).toBe('_2');
  });

  it('reads only the record\'s own fields, also those named like what every object has', () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
    const layout = new TableLayout({ caseInsensitive: true, maxBytes: 255 }, [], {
      properties: Object.fromEntries(names.map((name) => [name, { type: ['null', 'string'] }])),
    });
    const absent = recordToRow({ data: JSON.parse('{}'), emitted_at: 1 }, layout, 'id-1');
    expect(absent.cells).toEqual([null, null, null, null]);
    expect(absent.meta).toBe('{"changes":[]}');
    const present = recordToRow({ data: JSON.parse('{"constructor":"a","toString":"b","__proto__":"c","hasOwnProperty":"d"}'), emitted_at: 1 }, layout, 'id-2');
    expect(present.cells).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('errors', () => {
  it('makes one sentence with context and cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 1 });
    expect(errorSentence(new DestinationError('could not connect to PostgreSQL at 127.0.0.1:1/test', { cause: refused }))).toBe(
      'Could not connect to PostgreSQL at 127.0.0.1:1/test: connection refused.',
    );
    expect(errorSentence(new Error('IO Error: Cannot open file "x": Permission denied\nLINE 1: ...'))).toBe(
      'Cannot open file "x": Permission denied.',
    );
    expect(errorSentence(new SourceError('The API key was rejected.'))).toBe('The API key was rejected.');
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new InterruptedError('SIGINT'))).toBe(130);
    expect(exitCodeFor(new InterruptedError('SIGTERM'))).toBe(143);
    expect(exitCodeFor(new SourceError('x'))).toBe(1);
  });
});

describe('destination URIs', () => {
  it('parses the schemes', () => {
    expect(parseDestinationUri('duckdb:./ada.duckdb')).toEqual({ kind: 'duckdb', target: './ada.duckdb' });
    expect(parseDestinationUri('duckdb:///data/ada.duckdb')).toEqual({ kind: 'duckdb', target: '/data/ada.duckdb' });
    expect(parseDestinationUri('jsonl:out')).toEqual({ kind: 'jsonl', target: 'out' });
    expect(parseDestinationUri('postgresql://u@h/db?schema=ada').kind).toBe('postgres');
    expect(() => parseDestinationUri('s3://bucket')).toThrow(UsageError);
    expect(() => parseDestinationUri('duckdb:')).toThrow(/needs a path/);
    const pg = parsePostgresUri('postgres://me:secret@db.example:6543/warehouse?schema=ada&sslmode=require');
    expect(pg).toEqual({
      connectionString: 'postgres://me:secret@db.example:6543/warehouse?sslmode=require',
      schema: 'ada',
      display: 'db.example:6543/warehouse',
    });
  });
});

describe('configured catalog', () => {
  const catalog: AirbyteCatalog = {
    streams: [
      {
        name: 'conversations',
        json_schema: {},
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['date_updated'],
        source_defined_primary_key: [['_id']],
      },
      { name: 'static', json_schema: {}, supported_sync_modes: ['full_refresh'] },
    ],
  };

  it('is incremental + append_dedup where the stream supports it', () => {
    const configured = configureCatalog(catalog, { syncId: 7 });
    expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.destination_sync_mode, s.cursor_field, s.primary_key])).toEqual([
      ['conversations', 'incremental', 'append_dedup', ['date_updated'], [['_id']]],
      ['static', 'full_refresh', 'overwrite', undefined, undefined],
    ]);
  });

  it('is full_refresh + overwrite with --full-refresh, and rejects unknown streams', () => {
    const configured = configureCatalog(catalog, { fullRefresh: true, streams: ['conversations'], syncId: 7 });
    expect(configured.streams.map((s) => [s.sync_mode, s.destination_sync_mode, s.generation_id, s.minimum_generation_id])).toEqual([
      ['full_refresh', 'overwrite', 7, 7],
    ]);
    expect(() => configureCatalog(catalog, { streams: ['nope'] })).toThrow('unknown stream "nope"; the source offers conversations, static');
  });
});

describe('messages', () => {
  it('parses protocol lines and tells text and broken messages apart', () => {
    expect(parseLine('{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}').kind).toBe('message');
    expect(parseLine('Starting source...').kind).toBe('text');
    expect(parseLine('{"type":"RECORD","record":{"stream":"s"}}').kind).toBe('invalid');
    expect(parseLine('{"type":"STATE","state":{"type":"PARTIAL"}}').kind).toBe('invalid');
    expect(parseLine('{"type":"LOG","log":{"level":"INFO","message":"hi"}}').kind).toBe('message');
  });

  it('reads the source progress lines', () => {
    expect(parseProgressLog('progress {"stream":"messages","requests":12,"rate_limit_wait_ms":3400}')).toEqual({
      stream: 'messages',
      requests: 12,
      rateLimitWaitMs: 3400,
    });
    expect(parseProgressLog('progress of the week')).toBeUndefined();
    expect(parseProgressLog('read 5 records')).toBeUndefined();
  });
});

describe('checkpoints', () => {
  it('commits at a state only after enough records or time', () => {
    const policy = new CommitPolicy({ minRecords: 3, minMs: 60_000 });
    policy.recordWritten();
    expect(policy.due()).toBe(false);
    policy.recordWritten();
    policy.recordWritten();
    expect(policy.due()).toBe(true);
    policy.committed();
    expect(policy.due()).toBe(false);
  });

  it('keeps the newest pending state per stream', () => {
    const pending = new PendingStates<number>();
    const state = (name: string, cursor: number) => ({ type: 'STREAM' as const, stream: { stream_descriptor: { name }, stream_state: { cursor } } });
    pending.add(state('a', 1), 10);
    pending.add(state('b', 1), 11);
    pending.add(state('a', 2), 12);
    expect(pending.entries().map((e) => [e.key, e.bound])).toEqual([
      ['b', 11],
      ['a', 12],
    ]);
    expect(pending.take().length).toBe(2);
    expect(pending.size).toBe(0);
  });
});

describe('key fingerprints', () => {
  it('tells a new key from one added before, also past many table growths', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'a', 'A', '\u0000')), { maxLength: 300 }), (keys) => {
        const fingerprints = new KeyFingerprints();
        const seen = new Set<string>();
        for (const key of keys) {
          expect(fingerprints.add(key), JSON.stringify(key)).toBe(!seen.has(key));
          seen.add(key);
        }
        expect(fingerprints.size).toBe(seen.size);
      }),
    );
    const many = new KeyFingerprints();
    // A million new keys, as in the bench's 1M sync: one taken for seen would end its direct load.
    const ids = Array.from({ length: 1_000_000 }, (_, i) => `69cd8dc00253405${(Math.imul(i, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}a`);
    expect(ids.filter((id) => !many.add(id))).toEqual([]);
    expect(ids.some((id) => many.add(id))).toBe(false);
    expect(many.size).toBe(1_000_000);
  });

  it('a fixed-size filter of seen keys never calls a key it saw new', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'a', 'A', '\u0000')), { maxLength: 300 }), (keys) => {
        const filter = new SeenKeys();
        const seen = new Set<string>();
        for (const key of keys) {
          // "new" must be right; "seen" may be wrong (rarely), which only costs a de-duplication pass.
          if (seen.has(key)) expect(filter.add(key), JSON.stringify(key)).toBe(false);
          else filter.add(key);
          seen.add(key);
        }
      }),
    );
    const many = new SeenKeys();
    const ids = Array.from({ length: 1_000_000 }, (_, i) => `69cd8dc0025340555b${i.toString(16).padStart(6, '0')}`);
    // A million distinct keys: at most a handful wrongly "seen" (none expected).
    expect(ids.filter((id) => !many.add(id)).length).toBeLessThanOrEqual(2);
    expect(ids.slice(0, 1000).some((id) => many.add(id))).toBe(false);
  });
});

describe('line batches', () => {
  it('keeps encoded rows in order, grows, and splits off the rows a state covers', () => {
    const batch = new LineBatch(8);
    const lines = ['{"a":"é"}\n', '{"b":"😀"}\n', '{"c":"x"}\n', `{"d":"${'y'.repeat(100)}"}\n`];
    lines.forEach((line, i) => batch.add(line, 10 + i));
    expect(batch.rows).toBe(4);
    expect(batch.content().toString('utf8')).toBe(lines.join(''));
    expect(batch.rowsUpTo(11)).toBe(2);
    expect(batch.rowsUpTo(9)).toBe(0);
    const head = batch.takeFirst(2);
    expect(head.content().toString('utf8')).toBe(lines[0]! + lines[1]!);
    expect(head.lastSeq).toBe(11);
    expect(batch.content().toString('utf8')).toBe(lines[2]! + lines[3]!);
    expect(batch.rowsUpTo(12)).toBe(1);
    batch.add('{"e":1}\n', 14);
    expect(batch.takeFirst(1).content().toString('utf8')).toBe(lines[2]);
    expect(batch.content().toString('utf8')).toBe(lines[3]! + '{"e":1}\n');
    expect(batch.lastSeq).toBe(14);
    expect(batch.longest).toBe(lines[3]!.length);
  });

  it('reuses a released batch\'s memory for the next batch, and only once', () => {
    const line = `{"type":"RECORD","record":{"stream":"s","data":{"id":"${'z'.repeat(50)}"},"emitted_at":1}}`;
    const first = new LineBatch(65536);
    first.addRecordLine('{"c1":1,"m":', line, Buffer.from(line), '}\n', 1);
    const memory = first.content().buffer;
    first.release();
    expect(first.rows).toBe(0);
    const second = new LineBatch(65536);
    const third = new LineBatch(65536);
    second.addRecordLine('{"c1":2,"m":', line, undefined, '}\n', 2);
    third.addRecordLine('{"c1":3,"m":', line, Buffer.from(line), '}\n', 3);
    // The released memory went to one batch; the other has its own, and neither sees the other's rows.
    expect(second.content().buffer).toBe(memory);
    expect(third.content().buffer).not.toBe(memory);
    expect(second.content().toString()).toBe(`{"c1":2,"m":${line}}\n`);
    expect(third.content().toString()).toBe(`{"c1":3,"m":${line}}\n`);
  });

  it('does not reuse the memory of a batch split off another (it is a view into a larger one)', () => {
    const batch = new LineBatch(4096);
    batch.add('{"a":1}\n', 1);
    batch.add('{"b":2}\n', 2);
    const head = batch.takeFirst(1);
    const memory = head.content().buffer;
    head.release();
    const next = new LineBatch(16);
    next.add('{"c":3}\n', 3);
    expect(next.content().buffer).not.toBe(memory);
    expect(batch.content().toString()).toBe('{"b":2}\n');
  });
});

describe('progress display', () => {
  /** A stream that says it is a terminal and keeps what is written to it. */
  function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    Object.assign(stream, { isTTY: true, columns: 100, rows: 30 });
    return { stream, text: () => chunks.join('') };
  }

  it('shows a live line per stream on a terminal, and the log lines above it', () => {
    const counters = new Map([['messages', new StreamCounters('messages')]]);
    const terminal = fakeTerminal();
    const progress = new Progress({ mode: 'tty', counters, out: terminal.stream });
    progress.start();
    counters.get('messages')!.records = 1234;
    counters.get('messages')!.touch();
    progress.update('messages');
    progress.log('source: hello');
    progress.stop();
    expect(terminal.text()).toContain('source: hello');
    expect(terminal.text()).toMatch(/messages +1,234 records/);
  });

  it('writes nothing but the log lines when quiet', () => {
    const terminal = fakeTerminal();
    const progress = new Progress({ mode: 'quiet', counters: new Map(), out: terminal.stream });
    progress.start();
    progress.log('source: hello');
    progress.stop();
    expect(terminal.text()).toBe('source: hello\n');
  });
});

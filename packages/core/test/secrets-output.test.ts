import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, SystemError, TransientError } from '../src/errors.js';
import { MessageWriter } from '../src/output.js';
import { clearSecrets, filterSecrets, registerSecret } from '../src/secrets.js';
import { capture, invalidLines } from './helpers/capture.js';

afterEach(() => clearSecrets());

describe('filterSecrets / registerSecret', () => {
  it('masks registered values and their URL-encoded form', () => {
    registerSecret('p@ss/word?&=');
    expect(filterSecrets('key=p@ss/word?&= in a sentence')).toBe('key=**** in a sentence');
    expect(filterSecrets(`url?key=${encodeURIComponent('p@ss/word?&=')}`)).toBe('url?key=****');
  });

  it('ignores empty and non-string values', () => {
    registerSecret('');
    registerSecret(undefined);
    registerSecret(42);
    expect(filterSecrets('nothing 42 to hide')).toBe('nothing 42 to hide');
  });
});

describe('MessageWriter', () => {
  const SECRET = 'sk_live_9b8a7c6d5e';

  it('never writes a registered secret in LOG or TRACE lines, raw or URL-encoded', async () => {
    const secret = `${SECRET}/+=`;
    registerSecret(secret);
    const { writer, text, lines } = capture(true);
    writer.info(`calling https://x.test/?key=${secret}`);
    writer.warn(`calling https://x.test/?key=${encodeURIComponent(secret)}`);
    writer.debug(`header Bearer ${secret}`);
    writer.error(new ConfigError(`The key ${secret} was rejected`, { cause: new Error(`401 for ${secret}`) }), 'items');
    writer.streamStatus('items', 'INCOMPLETE');
    await writer.flush();
    expect(lines()).toHaveLength(5);
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain(encodeURIComponent(secret));
    expect(text()).toContain('****');
    expect(invalidLines(lines())).toEqual([]);
  });

  it('masks a secret containing JSON-escaped characters (quotes, backslashes)', async () => {
    const secret = 'pa"ss\\word-7781';
    registerSecret(secret);
    const { writer, messages } = capture();
    writer.info(`login with ${secret} failed`);
    writer.error(new ConfigError(`password ${secret} rejected`));
    await writer.flush();
    const [log, trace] = messages();
    expect(log!.log.message).not.toContain(secret);
    expect(trace!.trace.error.message).not.toContain(secret);
    // Not even recognisably: the part after the escaped characters must not survive either.
    expect(JSON.stringify(messages())).not.toContain('word-7781');
  });

  it('writes records and other messages in call order, and flush resolves once written', async () => {
    const { writer, messages, lines } = capture();
    writer.streamStatus('items', 'STARTED');
    for (let i = 0; i < 5; i++) writer.record('items', { id: String(i), n: i }, 1_772_359_200_000);
    writer.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: '2026-03-01T10:00:00Z' } } });
    writer.record('items', { id: '5' }, 1_772_359_200_000);
    await writer.flush();
    const types = messages().map((m) => (m.type === 'RECORD' ? `R${m.record.data.id}` : m.type));
    expect(types).toEqual(['TRACE', 'R0', 'R1', 'R2', 'R3', 'R4', 'STATE', 'R5']);
    expect(invalidLines(lines())).toEqual([]);
  });

  it('keeps order across the automatic flush of a large buffer', async () => {
    const { writer, messages } = capture();
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 300; i++) {
      writer.record('items', { id: String(i), big }, 1);
      if (i % 50 === 49) writer.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { upto: i } } });
    }
    await writer.flush();
    const seq = messages().map((m) => (m.type === 'RECORD' ? Number(m.record.data.id) : `S${m.state.stream.stream_state.upto}`));
    const expected: Array<number | string> = [];
    for (let i = 0; i < 300; i++) {
      expected.push(i);
      if (i % 50 === 49) expected.push(`S${i}`);
    }
    expect(seq).toEqual(expected);
  });

  /** A RECORD line as the protocol spells it, built independently of the writer's encoding. */
  const recordLine = (stream: string, data: unknown, emittedAt: number): string =>
    `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":${JSON.stringify(data)},"emitted_at":${emittedAt}}}\n`;

  /** Records whose UTF-8 is longer than their UTF-16 length in every way, and lines longer than a chunk. */
  function awkwardRecords(): Array<{ stream: string; data: Record<string, unknown>; at: number }> {
    const texts = ['plain', 'café é ñ ÿ', '中文字符', 'emoji 😀🎉 pair', 'lone \ud800 surrogate', 'sep \u2028\u2029', 'quote " back \\ nl \n', '\u0000\u001f'];
    const out: Array<{ stream: string; data: Record<string, unknown>; at: number }> = [];
    for (let i = 0; i < 3000; i++) {
      const text = texts[i % texts.length]!;
      // Sizes from a few bytes to several MiB, so lines straddle the flush threshold and exceed a chunk.
      const repeat = i % 997 === 0 ? 400_000 : i % 13 === 0 ? 5000 : 1 + (i % 7);
      out.push({ stream: i % 5 === 0 ? 'messages' : 'conversatións', data: { _id: String(i), text: text.repeat(repeat), n: i }, at: 1_772_359_200_000 + Math.floor(i / 100) });
    }
    return out;
  }

  it('writes every RECORD line byte for byte, multi-byte text and lines larger than a chunk included', async () => {
    const { writer, stream } = capture();
    const expected: string[] = [];
    const records = awkwardRecords();
    records.forEach((r, i) => {
      writer.record(r.stream, r.data, r.at);
      expected.push(recordLine(r.stream, r.data, r.at));
      if (i % 250 === 249) {
        writer.info(`after ${i} — ✓`);
        expected.push(`{"type":"LOG","log":{"level":"INFO","message":"after ${i} — ✓"}}\n`);
      }
    });
    await writer.flush();
    const chunks: Buffer[] = [];
    let chunk: Buffer | null;
    while ((chunk = stream.read() as Buffer | null) !== null) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(Buffer.from(expected.join(''), 'utf8'))).toBe(true);
  });

  it('reuses a chunk only after the stream is done with it, and never one a stream may still hold', async () => {
    // Like stdout: what a chunk held is taken when the write calls back, not before.
    const taken: Buffer[] = [];
    const stdoutLike = new Writable({
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _enc, cb) {
        setImmediate(() => {
          taken.push(Buffer.from(chunk));
          cb();
        });
      },
    });
    const reusing = new MessageWriter(stdoutLike, false, true);
    // A PassThrough holds chunks until they are read, long after their write called back.
    const held = capture();
    const expected: string[] = [];
    const records = awkwardRecords();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      reusing.record(r.stream, r.data, r.at);
      held.writer.record(r.stream, r.data, r.at);
      expected.push(recordLine(r.stream, r.data, r.at));
      // Flushes between pages, as a read does, so that written chunks come back for reuse.
      if (i % 400 === 399) await Promise.all([reusing.flush(), held.writer.flush()]);
    }
    await Promise.all([reusing.flush(), held.writer.flush()]);
    const want = expected.join('');
    expect(Buffer.concat(taken).toString('utf8') === want).toBe(true);
    expect(held.text() === want).toBe(true);
  });

  it('flush does not resolve before an automatically flushed chunk has been accepted', async () => {
    // A sink that accepts a chunk only when the test says so.
    const pending: Array<() => void> = [];
    let accepted = 0;
    const sink = new Writable({
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _enc, cb) {
        pending.push(() => {
          accepted += chunk.length;
          cb();
        });
      },
    });
    const writer = new MessageWriter(sink);
    // Records of ~1 KiB until the writer hands its buffer to the sink by itself (>= 1 MiB).
    const line = `{"type":"RECORD","record":{"stream":"s","data":${JSON.stringify({ pad: 'y'.repeat(1000) })},"emitted_at":1}}\n`;
    const perRecord = Buffer.byteLength(line);
    const n = Math.ceil((1024 * 1024) / perRecord);
    for (let i = 0; i < n; i++) writer.record('s', { pad: 'y'.repeat(1000) }, 1);
    expect(pending).toHaveLength(1); // the automatic flush went out, nothing is buffered any more
    let flushed = false;
    const flush = writer.flush().then(() => (flushed = true));
    // Let every queued microtask and I/O callback run: a flush that waited for nothing would be done.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(accepted).toBe(0);
    expect(flushed).toBe(false);
    for (const release of pending.splice(0)) release();
    await flush;
    expect(accepted).toBe(n * perRecord);
  });

  it('surfaces a failed write at the next flush', async () => {
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('EPIPE: reader went away'));
      },
    });
    sink.on('error', () => {});
    const writer = new MessageWriter(sink);
    writer.info('hello');
    await expect(writer.flush()).rejects.toThrow(/EPIPE/);
  });

  it('drops DEBUG logs unless debug is enabled', async () => {
    const quiet = capture(false);
    quiet.writer.debug('hidden');
    quiet.writer.info('shown');
    await quiet.writer.flush();
    expect(quiet.messages().map((m) => m.log.message)).toEqual(['shown']);
    const loud = capture(true);
    loud.writer.debug('visible');
    await loud.writer.flush();
    expect(loud.messages().map((m) => m.log.level)).toEqual(['DEBUG']);
  });

  it('writes TRACE errors with failure_type and internal_message, and a stack only in debug mode', async () => {
    const quiet = capture(false);
    quiet.writer.error(new TransientError('Ada is down', { cause: new Error('socket hang up') }), 'items');
    quiet.writer.error(new SystemError('bug'));
    await quiet.writer.flush();
    const [first, second] = quiet.messages();
    expect(first!.trace.error).toEqual({
      message: 'Ada is down',
      failure_type: 'transient_error',
      internal_message: 'Error: socket hang up',
      stream_descriptor: { name: 'items' },
    });
    expect(second!.trace.error.failure_type).toBe('system_error');
    expect(quiet.text()).not.toContain('stack_trace');
    expect(invalidLines(quiet.lines())).toEqual([]);

    const loud = capture(true);
    loud.writer.error(new SystemError('bug'));
    await loud.writer.flush();
    expect(loud.messages()[0]!.trace.error.stack_trace).toMatch(/SystemError: bug/);
  });

  it('every kind of message it writes is a valid AirbyteMessage', async () => {
    const { writer, lines } = capture(true);
    writer.spec({ connectionSpecification: { type: 'object', properties: {} } });
    writer.connectionStatus({ status: 'SUCCEEDED' });
    writer.connectionStatus({ status: 'FAILED', message: 'nope' });
    writer.catalog({
      streams: [{ name: 'items', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh', 'incremental'] }],
    });
    writer.record('items', { id: 'a', nested: { list: [1, null, 'x'] }, text: 'line\nbreak "quoted" \u2028' }, Date.now());
    writer.state({
      type: 'STREAM',
      stream: { stream_descriptor: { name: 'items' }, stream_state: { cursor: '2026-03-01T10:00:00Z', boundary_ids: ['a'] } },
      sourceStats: { recordCount: 1 },
    });
    for (const status of ['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE'] as const) writer.streamStatus('items', status);
    writer.info('i');
    writer.warn('w');
    writer.debug('d');
    writer.error(new ConfigError('c'), 'items');
    await writer.flush();
    expect(lines()).toHaveLength(14);
    expect(invalidLines(lines())).toEqual([]);
  });
});

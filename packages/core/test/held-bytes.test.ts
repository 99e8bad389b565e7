import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeldBytes } from '../src/held-bytes.js';
import { HttpClient, type JsonResponse } from '../src/http/client.js';
import { Pacer } from '../src/http/pacer.js';
import { ConfigError } from '../src/errors.js';
import { MessageWriter } from '../src/output.js';
import { PassThrough } from 'node:stream';
import { json, startServer, type Handler, type ScriptedServer } from './helpers/scripted-server.js';

const MB = 1024 * 1024;

/** Whether `promise` has settled by the time every callback queued so far (and a few rounds more) has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('HeldBytes', () => {
  it('lets bodies in while they fit, and the next one when room is given back', async () => {
    const held = new HeldBytes(10 * MB);
    const a = held.reserve(6 * MB);
    const b = held.reserve(6 * MB);
    expect(await settled(a.granted)).toBe(true);
    expect(await settled(b.granted)).toBe(false);
    a.release();
    expect(await settled(b.granted)).toBe(true);
    expect(held.held()).toEqual({ bodies: 6 * MB, output: 0, waiting: 0 });
  });

  it('counts output not yet taken by its reader', async () => {
    const held = new HeldBytes(10 * MB);
    held.outputQueued(8 * MB);
    const body = held.reserve(4 * MB);
    expect(await settled(body.granted)).toBe(false);
    held.outputWritten(8 * MB);
    expect(await settled(body.granted)).toBe(true);
  });

  it('reads a body larger than the limit alone, once nothing else is held', async () => {
    const held = new HeldBytes(10 * MB);
    const small = held.reserve(1 * MB);
    const huge = held.reserve(50 * MB);
    expect(await settled(huge.granted)).toBe(false);
    small.release();
    expect(await settled(huge.granted)).toBe(true);
  });

  it('admits in order of arrival: a large body is not overtaken by small ones', async () => {
    const held = new HeldBytes(10 * MB);
    const first = held.reserve(8 * MB);
    const large = held.reserve(8 * MB);
    const small = held.reserve(1 * MB);
    expect(await settled(small.granted)).toBe(false);
    first.release();
    expect(await settled(large.granted)).toBe(true);
    expect(await settled(small.granted)).toBe(true);
  });

  it('gives up a waiting reservation on release, and admits after maxWaitMs whatever is held', async () => {
    vi.useFakeTimers();
    try {
      const held = new HeldBytes(10 * MB, 1_000);
      const first = held.reserve(10 * MB);
      const gaveUp = held.reserve(5 * MB);
      const late = held.reserve(5 * MB);
      gaveUp.release();
      expect(held.held().waiting).toBe(1);
      vi.advanceTimersByTime(1_000);
      await late.granted;
      expect(held.held()).toEqual({ bodies: 15 * MB, output: 0, waiting: 0 });
      first.release();
      late.release();
      late.release();
      expect(held.held().bodies).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('MessageWriter and HeldBytes', () => {
  it('holds what it handed to the stream until the stream has taken it', async () => {
    const held = new HeldBytes(10 * MB);
    const out = new PassThrough({ highWaterMark: 1024 });
    const writer = new MessageWriter(out, false, false, held);
    for (let i = 0; i < 3000; i++) writer.record('s', { i, text: 'x'.repeat(500) }, 1);
    const flushed = writer.flush();
    expect(held.held().output).toBeGreaterThan(1 * MB);
    out.resume();
    await flushed;
    expect(held.held().output).toBe(0);
  });
});

describe('HttpClient and HeldBytes', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function client(held: HeldBytes, pacer = new Pacer({ perSecond: 1000, perMinute: 100_000, perDay: 1_000_000 })) {
    const http = new HttpClient({
      headers: {},
      log: { debug: () => undefined, warn: () => undefined },
      maxRetries: 3,
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      timeoutMs: 5_000,
      held,
      describeHttpError: (status) => new ConfigError(`HTTP ${status}`),
      describeUnreachable: (host) => new ConfigError(`cannot reach ${host}`),
    });
    return <T>(url: string): Promise<JsonResponse<T>> => http.getJson<T>(url, { pacer, key: 'k' });
  }

  const page = (n: number): Handler => json(200, { data: Array.from({ length: n }, (_, i) => ({ id: i, text: 'y'.repeat(100) })) });

  it('reads a body only when the output before it has been taken', async () => {
    server = await startServer([page(10_000)]);
    const held = new HeldBytes(2 * MB);
    const get = client(held);
    // A page's records emitted and not yet read from stdout.
    held.outputQueued(2 * MB);
    const answer = get<{ data: unknown[] }>(`${server.url}/a`);
    await vi.waitFor(() => expect(held.held().waiting).toBe(1));
    expect(await settled(answer)).toBe(false);
    held.outputWritten(2 * MB);
    expect((await answer).body.data).toHaveLength(10_000);
    await vi.waitFor(() => expect(held.held().bodies).toBe(0));
  });

  it('gives the room back when an attempt fails and is retried, so the retry is not held behind it', async () => {
    server = await startServer([json(503, { message: 'x'.repeat(4096) }), page(100)]);
    // Smaller than either body: each is read only when nothing else is held.
    const held = new HeldBytes(1024);
    const answer = await client(held)<{ data: unknown[] }>(`${server.url}/a`);
    expect(answer.body.data).toHaveLength(100);
    expect(server.requests).toHaveLength(2);
    await vi.waitFor(() => expect(held.held()).toEqual({ bodies: 0, output: 0, waiting: 0 }));
  });

  it('tells the pacer when the answer arrived, not when its body was let in', async () => {
    server = await startServer([page(10)]);
    const held = new HeldBytes(1024);
    const pacer = new Pacer({ perSecond: 1000, perMinute: 100_000, perDay: 1_000_000 });
    const answered: number[] = [];
    const acquire = pacer.acquire.bind(pacer);
    vi.spyOn(pacer, 'acquire').mockImplementation(async (key: string) => {
      const slot = await acquire(key);
      return { ...slot, answered: (sent: number, at: number) => (answered.push(at), slot.answered(sent, at)) };
    });
    const blocker = held.reserve(1024);
    const answer = client(held, pacer)(`${server.url}/a`);
    await vi.waitFor(() => expect(held.held().waiting).toBe(1));
    const arrivedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    blocker.release();
    await answer;
    expect(answered).toHaveLength(1);
    expect(answered[0]).toBeLessThanOrEqual(arrivedBy);
  });
});

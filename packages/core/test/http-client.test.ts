import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type ConnectorError, TransientError } from '../src/errors.js';
import { HttpClient, type HttpClientOptions, type JsonResponse } from '../src/http/client.js';
import { Pacer } from '../src/http/pacer.js';
import { HeldBytes } from '../src/held-bytes.js';
import { capture } from './helpers/capture.js';
import {
  closedPort,
  destroyMidBody,
  json,
  startServer,
  truncatedJson,
  type Handler,
  type ScriptedServer,
} from './helpers/scripted-server.js';

const TOKEN = 'tok_live_3f9a8c7e-Secret/Value+42';
const AUTH = `Bearer ${TOKEN}`;
const KEY = 'conversations';

class UnauthorizedError extends ConfigError {}
class UnreachableError extends ConfigError {}

interface Harness {
  /** The client, every request paced by the harness's pacer under the given key. */
  client: { getJson<T>(url: string, key: string): Promise<JsonResponse<T>> };
  pacer: Pacer;
  logs: string[];
  httpErrors: Array<{ status: number; body: string; url: URL }>;
}

function harness({ pacer = new Pacer({ perSecond: 1000, perMinute: 100_000, perDay: 1_000_000 }), ...overrides }: Partial<HttpClientOptions> & { pacer?: Pacer } = {}): Harness {
  const logs: string[] = [];
  const httpErrors: Harness['httpErrors'] = [];
  const http = new HttpClient({
    headers: { authorization: AUTH, accept: 'application/json' },
    log: { debug: (m) => logs.push(`DEBUG ${m}`), warn: (m) => logs.push(`WARN ${m}`) },
    maxRetries: 3,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    timeoutMs: 5_000,
    describeHttpError: (status, body, url) => {
      httpErrors.push({ status, body, url });
      return new UnauthorizedError(`Ada rejected the request to ${url.pathname} with HTTP ${status}.`);
    },
    describeUnreachable: (host, code) => new UnreachableError(`Cannot reach ${host} (${code}); check the instance URL.`),
    ...overrides,
  });
  const client = { getJson: <T>(url: string, key: string) => http.getJson<T>(url, { pacer, key }) };
  return { client, pacer, logs, httpErrors };
}

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: Handler[]): Promise<ScriptedServer> {
  server = await startServer(script);
  return server;
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected the request to fail');
}

/** The messages of an error and of every error in its cause chain. */
function messageChain(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    out.push(e.message, String(e));
  }
  return out;
}

const ok = json(200, { data: [{ id: 'a' }], meta: { next_page_uri: null } });

describe('HttpClient', () => {
  it('returns the parsed JSON body and sends the configured headers', async () => {
    const s = await serve([ok]);
    const { client, pacer } = harness();
    const res = await client.getJson<{ data: Array<{ id: string }> }>(`${s.url}/export?x=1`, KEY);
    expect(res.status).toBe(200);
    expect(res.body.data[0]!.id).toBe('a');
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.headers.authorization).toBe(AUTH);
    expect(pacer.statsFor(KEY).requests).toBe(1);
  });

  it('retries a 503 and succeeds', async () => {
    const s = await serve([json(503, { error: 'unavailable' }), ok]);
    const { client, pacer, logs } = harness();
    const res = await client.getJson(`${s.url}/export`, KEY);
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    expect(pacer.statsFor(KEY).requests).toBe(2);
    expect(logs.filter((l) => l.startsWith('WARN Retrying'))).toHaveLength(1);
  });

  it('waits out Retry-After on a 429, then succeeds, and pauses the pacer for everyone', async () => {
    const s = await serve([json(429, { error: 'slow down' }, { 'retry-after': '1' }), ok]);
    const { client, pacer } = harness();
    const pauses = vi.spyOn(pacer, 'pauseUntil');
    const before = Date.now();
    const res = await client.getJson(`${s.url}/export`, KEY);
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    // Timer granularity can fire a few ms early relative to performance.now.
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pacer.statsFor(KEY).requests).toBe(2);
    // The pause the 429 asked for was applied to the shared pacer, so other requests wait too.
    expect(pauses).toHaveBeenCalledTimes(1);
    expect(pauses.mock.calls[0]![0]).toBeGreaterThanOrEqual(before + 1000);
  });

  it('gives up as transient when the server asks for a longer wait than maxRetryWaitMs', async () => {
    const s = await serve([json(429, { error: 'slow down' }, { 'retry-after': '3600' }), ok]);
    const { client } = harness({ maxRetryWaitMs: 60_000 });
    const error = await failure(client.getJson(`${s.url}/export`, KEY));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAt).toBeInstanceOf(Date);
    expect((error as TransientError).retryAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(s.requests).toHaveLength(1);
  });

  it('retries a 200 whose JSON body is truncated', async () => {
    const s = await serve([truncatedJson(), ok]);
    const { client, pacer } = harness();
    const res = await client.getJson<{ data: unknown[] }>(`${s.url}/export`, KEY);
    expect(res.body.data).toHaveLength(1);
    expect(s.requests).toHaveLength(2);
    expect(pacer.statsFor(KEY).requests).toBe(2);
  });

  it('reports a body that stays invalid as a transient error after maxRetries + 1 attempts', async () => {
    const s = await serve([truncatedJson()]);
    const { client } = harness({ maxRetries: 2 });
    const error = await failure(client.getJson(`${s.url}/export`, KEY));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/invalid JSON/);
    expect(s.requests).toHaveLength(3);
  });

  it('retries when the connection is destroyed mid-body', async () => {
    const s = await serve([destroyMidBody(), ok]);
    const { client, pacer } = harness();
    const res = await client.getJson(`${s.url}/export`, KEY);
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    expect(pacer.statsFor(KEY).requests).toBe(2);
  });

  it('turns a permanent 500 into a TransientError after exactly maxRetries + 1 attempts', async () => {
    const s = await serve([json(500, { error: 'boom' })]);
    const { client, pacer, httpErrors } = harness({ maxRetries: 3 });
    const error = await failure(client.getJson(`${s.url}/export`, KEY));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.failureType).toBe('transient_error');
    expect(error.message).toMatch(/HTTP 500/);
    expect(error.message).toMatch(/4 attempts/);
    expect(s.requests).toHaveLength(4);
    expect(pacer.statsFor(KEY).requests).toBe(4);
    expect(httpErrors).toHaveLength(0);
  });

  it('does not retry a 401 and returns describeHttpError’s error, given the body text', async () => {
    const s = await serve([json(401, { error: 'unauthorized', message: 'invalid API key' })]);
    const { client, httpErrors } = harness();
    const error = await failure(client.getJson(`${s.url}/export?page=2`, KEY));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toBe('Ada rejected the request to /export with HTTP 401.');
    expect(s.requests).toHaveLength(1);
    expect(httpErrors).toHaveLength(1);
    expect(httpErrors[0]!.status).toBe(401);
    expect(httpErrors[0]!.url.pathname).toBe('/export');
    // The describer needs the API's error envelope as text to explain what went wrong.
    expect(httpErrors[0]!.body).toContain('invalid API key');
  });

  it('does not retry a 404 or a 403', async () => {
    for (const status of [403, 404]) {
      const s = await startServer([json(status, { error: 'nope' })]);
      try {
        const { client } = harness();
        const error = await failure(client.getJson(`${s.url}/export`, KEY));
        expect(error).toBeInstanceOf(UnauthorizedError);
        expect(s.requests).toHaveLength(1);
      } finally {
        await s.close();
      }
    }
  });

  it('paces every attempt, retries included, through the shared pacer', async () => {
    const s = await serve([json(503, {}), json(502, {}), truncatedJson(), json(429, {}), json(504, {}), ok]);
    const { client, pacer } = harness({ maxRetries: 6 });
    await client.getJson(`${s.url}/export`, KEY);
    expect(s.requests).toHaveLength(6);
    expect(pacer.statsFor(KEY).requests).toBe(s.requests.length);
  });

  it('tells the pacer when each attempt actually went out, and when the answered one was answered', async () => {
    const s = await serve([json(503, {}), truncatedJson(), ok]);
    const { client, pacer } = harness();
    const acquire = pacer.acquire.bind(pacer);
    const slots: Array<{ grantedAt: number; sent: number[]; answered: Array<[number, number]> }> = [];
    vi.spyOn(pacer, 'acquire').mockImplementation(async (key: string) => {
      const slot = await acquire(key);
      const record = { grantedAt: Date.now(), sent: [] as number[], answered: [] as Array<[number, number]> };
      slots.push(record);
      return {
        sentAt: (ms: number) => {
          record.sent.push(ms);
          slot.sentAt(ms);
        },
        answered: (sentMs: number, answeredMs: number) => {
          record.answered.push([sentMs, answeredMs]);
          slot.answered(sentMs, answeredMs);
        },
        budget: (limit: number, remaining: number) => slot.budget(limit, remaining),
      };
    });
    await client.getJson(`${s.url}/export`, KEY);
    const done = Date.now();
    expect(slots).toHaveLength(3);
    for (const slot of slots) {
      expect(slot.sent.length).toBeGreaterThan(0);
      for (const ms of slot.sent) {
        expect(ms).toBeGreaterThanOrEqual(slot.grantedAt - 1);
        expect(ms).toBeLessThanOrEqual(done);
      }
    }
    // The attempt that got its answer through (the last) reports it; the answer came after it left.
    const [sent, answered] = slots[2]!.answered[0]!;
    expect(sent).toBeGreaterThanOrEqual(slots[2]!.grantedAt - 1);
    expect(answered).toBeGreaterThanOrEqual(sent);
    expect(answered).toBeLessThanOrEqual(done);
  });

  it('tells the pacer what an answer says while its body still waits for room', async () => {
    const s = await serve([json(200, { data: [], meta: { next_page_uri: null } }, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '41' })]);
    const held = new HeldBytes(1024);
    // Output nobody has taken yet fills the budget: the body must wait until it is written out.
    held.outputQueued(4096);
    const { client, pacer } = harness({ held });
    const acquire = pacer.acquire.bind(pacer);
    const heard: string[] = [];
    vi.spyOn(pacer, 'acquire').mockImplementation(async (key: string) => {
      const slot = await acquire(key);
      return {
        sentAt: (ms: number) => slot.sentAt(ms),
        answered: (sentMs: number, answeredMs: number) => {
          heard.push('answered');
          slot.answered(sentMs, answeredMs);
        },
        budget: (limit: number, remaining: number) => {
          heard.push(`budget ${limit} ${remaining}`);
          slot.budget(limit, remaining);
        },
      };
    });
    const page = client.getJson(`${s.url}/export`, KEY);
    await vi.waitFor(() => expect(held.held().waiting).toBe(1));
    expect(heard).toEqual(['answered', 'budget 100 41']);
    held.outputWritten(4096);
    await expect(page).resolves.toMatchObject({ status: 200 });
    expect(heard).toHaveLength(2);
  });

  it('paces retries against the per-second limit too', async () => {
    const s = await serve([json(503, {}), json(503, {}), ok]);
    const pacer = new Pacer({ perSecond: 2, perMinute: 1000, perDay: 100_000 });
    const { client } = harness({ pacer, backoffBaseMs: 1, backoffMaxMs: 2 });
    await client.getJson(`${s.url}/export`, KEY);
    expect(s.requests).toHaveLength(3);
    // Two requests fit in a second; the third (a retry) had to wait for the window to move.
    expect(s.requests[2]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pacer.statsFor(KEY).waitedMs).toBeGreaterThan(0);
  });

  it('reports a closed port through describeUnreachable', async () => {
    const port = await closedPort();
    const { client, pacer } = harness({ maxRetries: 1 });
    const error = await failure(client.getJson(`http://127.0.0.1:${port}/export`, KEY));
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.message).toBe(`Cannot reach 127.0.0.1:${port} (ECONNREFUSED); check the instance URL.`);
    expect(pacer.statsFor(KEY).requests).toBe(2);
  });

  it('gives up on a refused connection after two retries, whatever the retry budget, saying how long it keeps trying', async () => {
    const port = await closedPort();
    const { client, pacer, logs } = harness({ maxRetries: 8 });
    const error = await failure(client.getJson(`http://127.0.0.1:${port}/export`, KEY));
    expect(error).toBeInstanceOf(UnreachableError);
    expect(pacer.statsFor(KEY).requests).toBe(3);
    const retries = logs.filter((l) => l.startsWith('WARN Retrying'));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/\(attempt 2 of 3\) after ECONNREFUSED; it keeps trying for up to \d+ s more\.$/);
  });

  it('says on each retry how long it keeps trying', async () => {
    const s = await serve([json(503, {}), ok]);
    const { client, logs } = harness({ maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 20 });
    await client.getJson(`${s.url}/export`, KEY);
    expect(logs.filter((l) => l.startsWith('WARN'))).toEqual([
      expect.stringMatching(/^WARN Retrying GET .*\/export \(attempt 2 of 4\) after HTTP 503; it keeps trying for up to 0 s more\.$/),
    ]);
  });

  it('never lets the Authorization header value into errors, their causes or the logs', async () => {
    const errors: unknown[] = [];
    const scenarios: Array<[Handler[], Partial<HttpClientOptions> & { pacer?: Pacer }]> = [
      [[json(500, { error: 'boom' })], { maxRetries: 1 }],
      [[json(401, { error: 'unauthorized' })], {}],
      [[truncatedJson()], { maxRetries: 1 }],
      [[destroyMidBody()], { maxRetries: 1 }],
      [[json(429, {}, { 'retry-after': '3600' })], { maxRetryWaitMs: 1000 }],
    ];
    const logs: string[] = [];
    for (const [script, overrides] of scenarios) {
      const s = await startServer(script);
      try {
        const h = harness(overrides);
        errors.push(await failure(h.client.getJson(`${s.url}/export`, KEY)));
        logs.push(...h.logs);
      } finally {
        await s.close();
      }
    }
    const port = await closedPort();
    const h = harness({ maxRetries: 1 });
    errors.push(await failure(h.client.getJson(`http://127.0.0.1:${port}/export`, KEY)));
    logs.push(...h.logs);

    expect(errors).toHaveLength(6);
    expect(logs.length).toBeGreaterThan(0);
    const texts = [...errors.flatMap(messageChain), ...logs];
    for (const text of texts) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(encodeURIComponent(TOKEN));
    }
    // And what the user would see for each: one TRACE error line (no secret registered here).
    const { writer, text } = capture();
    for (const error of errors) writer.error(error as ConnectorError);
    await writer.flush();
    expect(text()).not.toContain(TOKEN);
  });
});

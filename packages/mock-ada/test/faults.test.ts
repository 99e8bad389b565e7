import { describe, expect, it } from 'vitest';
import type { MockAda } from '../src/index.js';
import { type ErrorBody, get, start } from './helpers.js';
import { SLOW_BODY_CHUNKS, SLOW_BODY_GAP_MS } from '../src/faults.js';

const PATH = '/api/v2/export/conversations?updated_since=2026-02-01T00:00:00Z&page_size=100';

type Outcome = 'ok' | 'server-error' | 'rate-limit' | 'reset' | 'truncated';

/** What a client sees for one request, classified by symptom only. */
async function outcome(mock: MockAda, path = PATH): Promise<{ kind: Outcome; status: number | null }> {
  let res: Response;
  try {
    res = await get(mock, path);
  } catch {
    return { kind: 'reset', status: null };
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return { kind: 'reset', status: res.status };
  }
  if (res.status >= 500) return { kind: 'server-error', status: res.status };
  if (res.status === 429) return { kind: 'rate-limit', status: 429 };
  try {
    JSON.parse(text);
  } catch {
    return { kind: 'truncated', status: res.status };
  }
  return { kind: 'ok', status: res.status };
}

const RATES = { serverErrorRate: 0.1, rateLimitRate: 0.05, resetRate: 0.05, truncatedBodyRate: 0.05 };
const N = 300;

function within(count: number, rate: number, n: number): void {
  const sigma = Math.sqrt(n * rate * (1 - rate));
  expect(count).toBeGreaterThanOrEqual(n * rate - 4 * sigma);
  expect(count).toBeLessThanOrEqual(n * rate + 4 * sigma);
}

describe('fault injection', () => {
  it('injects each fault at roughly its rate, deterministically from the seed', async () => {
    const opts = { seed: 9, conversations: 40, faults: { ...RATES, retryAfterSeconds: 3 } };
    const a = await start(opts);
    const b = await start(opts);
    const other = await start({ ...opts, seed: 10 });
    const run = async (mock: MockAda, n: number) => {
      const out: Array<{ kind: Outcome; status: number | null }> = [];
      for (let i = 0; i < n; i++) out.push(await outcome(mock));
      return out;
    };
    const [ra, rb, rc] = [await run(a, N), await run(b, N), await run(other, 60)];
    expect(rb).toEqual(ra);
    expect(rc).not.toEqual(ra.slice(0, 60));
    const count = (kind: Outcome) => ra.filter((o) => o.kind === kind).length;
    within(count('server-error'), RATES.serverErrorRate, N);
    within(count('rate-limit'), RATES.rateLimitRate, N);
    within(count('reset'), RATES.resetRate, N);
    within(count('truncated'), RATES.truncatedBodyRate, N);
    expect(new Set(ra.filter((o) => o.kind === 'server-error').map((o) => o.status))).toEqual(new Set([500, 502, 503, 504]));
    const faults = N - count('ok');
    expect(a.stats().faultsInjected).toBe(faults);
    expect(a.stats().rateLimited).toBe(count('rate-limit'));
    expect(a.stats().requests).toBe(N);
  });

  it('answers 5xx with the errors envelope, except 502 which comes as an nginx HTML page', async () => {
    const mock = await start({ conversations: 10, faults: { serverErrorRate: 1 } });
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await get(mock, PATH);
      seen.add(res.status);
      if (res.status === 502) {
        expect(res.headers.get('content-type')).toBe('text/html');
        expect(await res.text()).toContain('<title>502 Bad Gateway</title>');
      } else {
        expect([500, 503, 504]).toContain(res.status);
        const body = (await res.json()) as ErrorBody;
        expect(body.errors[0]?.type).toMatch(/^(internal_server_error|service_unavailable|gateway_timeout)$/);
      }
    }
    expect(seen.size).toBe(4);
  });

  it('injects 429 with the configured Retry-After, counted in stats', async () => {
    const mock = await start({ conversations: 10, faults: { rateLimitRate: 1, retryAfterSeconds: 7 } });
    const res = await get(mock, PATH);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as ErrorBody).errors[0]?.type).toBe('too_many_requests');
    expect(mock.stats()).toMatchObject({ rateLimited: 1, faultsInjected: 1 });
  });

  it('truncates bodies with a Content-Length that matches what is sent, so only the JSON is broken', async () => {
    const clean = await start({ conversations: 50 });
    const full = await (await get(clean, PATH)).text();
    const mock = await start({ conversations: 50, faults: { truncatedBodyRate: 1 } });
    for (let i = 0; i < 5; i++) {
      const res = await get(mock, PATH);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
      const text = bytes.toString();
      expect(text.length).toBeLessThan(full.length);
      expect(full.replaceAll(clean.url, mock.url).startsWith(text)).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    }
  });

  it('resets the connection after the headers and part of the body', async () => {
    const mock = await start({ conversations: 50, faults: { resetRate: 1 } });
    for (let i = 0; i < 5; i++) {
      await expect(get(mock, PATH).then((res) => res.text())).rejects.toThrow();
    }
    expect(mock.stats().faultsInjected).toBe(5);
    mock.setFaults({});
    expect((await get(mock, PATH)).status).toBe(200);
  });

  it('sends slow bodies in pieces that still add up to the whole response', async () => {
    const clean = await start({ conversations: 50 });
    const full = await (await get(clean, PATH)).text();
    const mock = await start({ conversations: 50, faults: { slowBodyRate: 1 } });
    const began = performance.now();
    const res = await get(mock, PATH);
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    const elapsed = performance.now() - began;
    expect(chunks.length).toBeGreaterThan(1);
    expect(elapsed).toBeGreaterThanOrEqual((SLOW_BODY_CHUNKS - 1) * SLOW_BODY_GAP_MS * 0.9);
    expect(Buffer.concat(chunks).toString()).toBe(full.replaceAll(clean.url, mock.url));
  });

  it('applies faults only after authentication and rate limiting', async () => {
    const mock = await start({ conversations: 10, faults: { serverErrorRate: 1 }, rateLimits: { perSecond: 1, perMinute: 100, perDay: 1000 }, rateLimitClock: () => 0 });
    expect((await get(mock, PATH, {})).status).toBe(401);
    expect((await get(mock, '/nope')).status).toBe(404);
    expect((await get(mock, PATH)).status).toBeGreaterThanOrEqual(500);
    const limited = await get(mock, PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(mock.stats().faultsInjected).toBe(1);
  });

  it('rejects rates that cannot be probabilities', async () => {
    await expect(start({ faults: { serverErrorRate: 0.7, resetRate: 0.5 } })).rejects.toThrow(/must not exceed 1/);
    await expect(start({ faults: { truncatedBodyRate: -0.1 } })).rejects.toThrow(/between 0 and 1/);
  });
});

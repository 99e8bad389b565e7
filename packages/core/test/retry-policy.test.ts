import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRetryable, retryDelayMs, serverDelayMs } from '../src/http/retry-policy.js';

describe('isRetryable', () => {
  it('retries rate limits, timeouts and server errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504, 520, 521, 522, 524]) {
      expect(isRetryable({ status }), String(status)).toBe(true);
    }
  });

  it('does not retry client errors', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 410, 422, 501]) {
      expect(isRetryable({ status }), String(status)).toBe(false);
    }
  });

  it('retries connection-level failures', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']) {
      expect(isRetryable({ code }), code).toBe(true);
    }
    expect(isRetryable({ code: 'ENOTFOUND' })).toBe(false);
    expect(isRetryable({ code: 'ERR_GOT_REQUEST_ERROR' })).toBe(false);
    expect(isRetryable({})).toBe(false);
  });

  it('retries an unparseable body even though the status was 200', () => {
    expect(isRetryable({ code: 'ERR_BODY_PARSE_FAILURE' })).toBe(true);
    expect(isRetryable({ status: 200, code: 'ERR_BODY_PARSE_FAILURE' })).toBe(true);
  });

  it('retries a connection reset while reading the body of a 200 (the status is known, the body is not)', () => {
    // got reports a socket destroyed mid-body as ReadError ECONNRESET with response.statusCode 200.
    expect(isRetryable({ status: 200, code: 'ECONNRESET' })).toBe(true);
    expect(isRetryable({ status: 200, code: 'ERR_STREAM_PREMATURE_CLOSE' })).toBe(true);
  });

  it('decides by status for an HTTP error response', () => {
    expect(isRetryable({ status: 401, code: 'ERR_NON_2XX_3XX_RESPONSE' })).toBe(false);
    expect(isRetryable({ status: 503, code: 'ERR_NON_2XX_3XX_RESPONSE' })).toBe(true);
  });
});

describe('serverDelayMs / retryDelayMs', () => {
  const now = Date.UTC(2026, 2, 1, 10, 0, 0);
  const opts = { baseMs: 1000, maxMs: 60_000, now: () => now, random: () => 0.5 };

  it('uses Retry-After in seconds', () => {
    expect(serverDelayMs({ 'retry-after': '1' }, now)).toBe(1000);
    expect(serverDelayMs({ 'retry-after': '2.5' }, now)).toBe(2500);
    expect(serverDelayMs({ 'retry-after': ['7', '1'] }, now)).toBe(7000);
    expect(retryDelayMs(1, { status: 429, headers: { 'retry-after': '30' } }, opts)).toBe(30_000);
  });

  it('uses Retry-After as an HTTP date', () => {
    const at = new Date(now + 90_000).toUTCString();
    expect(serverDelayMs({ 'retry-after': at }, now)).toBe(90_000);
    expect(serverDelayMs({ 'retry-after': new Date(now - 5000).toUTCString() }, now)).toBe(0);
  });

  it('uses X-RateLimit-Reset (epoch seconds) when nothing is remaining', () => {
    const reset = String(now / 1000 + 42);
    expect(serverDelayMs({ 'x-ratelimit-reset': reset, 'x-ratelimit-remaining': '0' }, now)).toBe(42_000);
    expect(serverDelayMs({ 'x-ratelimit-reset': reset }, now)).toBe(42_000);
    expect(serverDelayMs({ 'x-ratelimit-reset': reset, 'x-ratelimit-remaining': '5' }, now)).toBeUndefined();
    expect(serverDelayMs({ 'x-ratelimit-reset': String(now / 1000 - 10), 'x-ratelimit-remaining': '0' }, now)).toBe(0);
  });

  it('prefers Retry-After over X-RateLimit-Reset', () => {
    expect(serverDelayMs({ 'retry-after': '3', 'x-ratelimit-reset': String(now / 1000 + 600) }, now)).toBe(3000);
  });

  it('ignores absent, empty or unparseable headers', () => {
    expect(serverDelayMs(undefined, now)).toBeUndefined();
    expect(serverDelayMs({}, now)).toBeUndefined();
    expect(serverDelayMs({ 'retry-after': '' }, now)).toBeUndefined();
    expect(serverDelayMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
  });

  it('backs off exponentially with equal jitter: between half and all of base * 2^(attempt-1), capped', () => {
    const low = { ...opts, random: () => 0 };
    const high = { ...opts, random: () => 0.999999 };
    const expected = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
    expected.forEach((exp, i) => {
      const attempt = i + 1;
      expect(retryDelayMs(attempt, { status: 503 }, low), `attempt ${attempt} low`).toBe(exp / 2);
      expect(retryDelayMs(attempt, { status: 503 }, high), `attempt ${attempt} high`).toBe(exp);
    });
    expect(retryDelayMs(0, { code: 'ECONNRESET' }, low)).toBe(500);
  });

  it('keeps jittered delays within bounds for any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, r) => {
          const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          const delay = retryDelayMs(attempt, { status: 500 }, { baseMs, maxMs, random: () => r });
          expect(delay).toBeGreaterThanOrEqual(Math.floor(exp / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(exp));
        },
      ),
    );
  });
});

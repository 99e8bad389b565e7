/**
 * Retry policy, split as in the Airbyte CDK: `isRetryable` decides *whether*, `retryDelayMs`
 * decides *how long*. got's own retry loop calls both (see client.ts), so there is one loop.
 */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 520, 521, 522, 524]);

const RETRYABLE_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  // A truncated or otherwise invalid JSON body: the next attempt usually gets a whole one.
  'ERR_BODY_PARSE_FAILURE',
]);

export interface RetryableFailure {
  status?: number | undefined;
  code?: string | undefined;
  headers?: Record<string, string | string[] | undefined> | undefined;
}

export function isRetryable(failure: RetryableFailure): boolean {
  // The code first: a body cut off after a 200 status line carries both.
  if (failure.code !== undefined && RETRYABLE_CODES.has(failure.code)) return true;
  return failure.status !== undefined && RETRYABLE_STATUS.has(failure.status);
}

/**
 * Connection refused means nothing listens at that address: a service restarting comes back within
 * a couple of retries, a wrong address never does, and minutes of backoff would only hide it.
 */
const FEW_RETRIES = 2;
const FEW_RETRIES_FOR = new Set(['ECONNREFUSED']);

/** How many retries a failure of this kind gets, at most `maxRetries`. */
export function retryLimit(failure: RetryableFailure, maxRetries: number): number {
  return failure.code !== undefined && FEW_RETRIES_FOR.has(failure.code) ? Math.min(FEW_RETRIES, maxRetries) : maxRetries;
}

/** The longest the retries after attempt `attempt` can wait in all (without a server-given delay). */
export function retryBudgetMs(attempt: number, limit: number, opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): number {
  let total = 0;
  for (let k = attempt; k <= limit; k++) total += Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, k - 1));
  return total;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random?: () => number;
  now?: () => number;
}

/**
 * How long to wait before attempt `attempt + 1`: what the server asked for (Retry-After in
 * seconds or as an HTTP date, else X-RateLimit-Reset), otherwise exponential backoff with jitter.
 */
export function retryDelayMs(attempt: number, failure: RetryableFailure, opts: BackoffOptions): number {
  const now = opts.now ?? Date.now;
  const asked = serverDelayMs(failure.headers, now());
  if (asked !== undefined) return asked;
  const random = opts.random ?? Math.random;
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the exponential step, so retries spread without collapsing to ~0.
  return Math.round(exp / 2 + random() * (exp / 2));
}

export function serverDelayMs(
  headers: Record<string, string | string[] | undefined> | undefined,
  nowMs: number,
): number | undefined {
  if (!headers) return undefined;
  const retryAfter = first(headers['retry-after']);
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = Number(first(headers['x-ratelimit-reset']));
  const remaining = first(headers['x-ratelimit-remaining']);
  if (Number.isFinite(reset) && reset > 0 && (remaining === '0' || remaining === undefined)) return Math.max(0, reset * 1000 - nowMs);
  return undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

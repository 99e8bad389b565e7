import { hash32, Rng } from './random.js';

export interface FaultOptions {
  /** Share of requests answered 500/502/503/504. */
  serverErrorRate?: number;
  /** Share answered 429 with Retry-After = retryAfterSeconds, on top of real rate limiting. */
  rateLimitRate?: number;
  /** Share whose connection is reset after the headers and part of the body. */
  resetRate?: number;
  /** Share whose body is written in chunks with pauses (it still completes). */
  slowBodyRate?: number;
  /** Share whose body is cut short with a matching Content-Length (valid HTTP, invalid JSON). */
  truncatedBodyRate?: number;
  /** Retry-After on injected 429s; default 1. */
  retryAfterSeconds?: number;
}

export type FaultKind = 'server-error' | 'rate-limit' | 'reset' | 'slow-body' | 'truncated-body';

export interface Fault {
  kind: FaultKind;
  /** A second uniform draw in [0, 1) for the fault's details (status code, cut point). */
  detail: number;
}

const RATES: ReadonlyArray<readonly [FaultKind, keyof FaultOptions]> = [
  ['server-error', 'serverErrorRate'],
  ['rate-limit', 'rateLimitRate'],
  ['reset', 'resetRate'],
  ['slow-body', 'slowBodyRate'],
  ['truncated-body', 'truncatedBodyRate'],
];

const TAG_FAULTS = 0xfa;

export const SLOW_BODY_CHUNKS = 5;
export const SLOW_BODY_GAP_MS = 120;

export function validateFaults(faults: FaultOptions): Required<FaultOptions> {
  let total = 0;
  const out: Required<FaultOptions> = {
    serverErrorRate: 0, rateLimitRate: 0, resetRate: 0, slowBodyRate: 0, truncatedBodyRate: 0, retryAfterSeconds: 1,
  };
  for (const [, key] of RATES) {
    const rate = faults[key] ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`faults.${key} must be between 0 and 1, got ${rate}`);
    out[key] = rate;
    total += rate;
  }
  if (total > 1 + 1e-9) throw new RangeError(`fault rates add up to ${total}; they must not exceed 1`);
  const retryAfter = faults.retryAfterSeconds ?? 1;
  if (!Number.isInteger(retryAfter) || retryAfter < 0) throw new RangeError(`faults.retryAfterSeconds must be a non-negative integer, got ${retryAfter}`);
  out.retryAfterSeconds = retryAfter;
  return out;
}

/**
 * Picks at most one fault per request. The draw for the n-th request that reaches this stage
 * depends only on the seed and n, so a replay of the same request sequence meets the same faults
 * even after setFaults() changed the rates (the rates only move the thresholds).
 */
export class FaultInjector {
  private count = 0;
  private rates: Required<FaultOptions>;

  constructor(
    private readonly seedWords: readonly [number, number],
    faults: FaultOptions | undefined,
  ) {
    this.rates = validateFaults(faults ?? {});
  }

  set(faults: FaultOptions | undefined): void {
    this.rates = validateFaults(faults ?? {});
  }

  get retryAfterSeconds(): number {
    return this.rates.retryAfterSeconds;
  }

  next(): Fault | null {
    const rng = new Rng(hash32(this.seedWords[0], this.seedWords[1], TAG_FAULTS, this.count++));
    const roll = rng.float();
    const detail = rng.float();
    let threshold = 0;
    for (const [kind, key] of RATES) {
      threshold += this.rates[key];
      if (roll < threshold) return { kind, detail };
    }
    return null;
  }
}

export function serverErrorStatus(detail: number): 500 | 502 | 503 | 504 {
  const statuses = [500, 502, 503, 504] as const;
  return statuses[Math.min(3, Math.floor(detail * 4))] ?? 500;
}

/** Where to cut a body for reset/truncation: somewhere in its middle, never empty, never whole. */
export function cutPoint(length: number, detail: number): number {
  if (length < 2) return 0;
  return Math.min(length - 1, Math.max(1, Math.floor(length * (0.1 + 0.8 * detail))));
}

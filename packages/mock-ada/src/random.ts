/**
 * Deterministic randomness. Every record is regenerated from (seed, stream, index, version) on
 * demand, so the generator must be a pure function of small integers: a keyed hash picks the
 * starting state and a tiny PRNG (mulberry32) draws from it. Nothing here may depend on call order
 * across records, otherwise serving page 3 before page 2 would change the data.
 */

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Number.prototype.toString(16) is slow enough to show up in page serialisation; a byte table is not. */
export function hex8(n: number): string {
  return (HEX_BYTE[n >>> 24] ?? '') + (HEX_BYTE[(n >>> 16) & 255] ?? '') + (HEX_BYTE[(n >>> 8) & 255] ?? '') + (HEX_BYTE[n & 255] ?? '');
}

export function hex6(n: number): string {
  return (HEX_BYTE[(n >>> 16) & 255] ?? '') + (HEX_BYTE[(n >>> 8) & 255] ?? '') + (HEX_BYTE[n & 255] ?? '');
}

function hex4(n: number): string {
  return (HEX_BYTE[(n >>> 8) & 255] ?? '') + (HEX_BYTE[n & 255] ?? '');
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of numbers to 32 bits; values beyond 32 bits contribute their high part too. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = avalanche((h ^ lo) + 0x7f4a7c15);
    if (hi !== 0) h = avalanche((h ^ hi) + 0x165667b1);
  }
  return h;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** Uniform in [0, 1) with 53 bits: needed when scaling to microsecond spans of many days. */
  float53(): number {
    const hi = this.next() >>> 5;
    const lo = this.next() >>> 6;
    return (hi * 0x4000000 + lo) / 0x20000000000000;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += hex8(this.next());
    return out.length === digits ? out : out.slice(0, digits);
  }

  uuid(): string {
    const b = this.next();
    const c = this.next();
    return `${hex8(this.next())}-${hex4(b >>> 16)}-4${hex4(b).slice(1)}-a${hex4(c >>> 16).slice(1)}-${hex4(c)}${hex8(this.next())}`;
  }
}

/** Splits a user seed (any finite number) into two 32-bit words so that large seeds stay distinct. */
export function seedWords(seed: number): [number, number] {
  const whole = Math.trunc(seed);
  const frac = Math.round((seed - whole) * 0x1_0000_0000);
  return [hash32(whole, frac, whole < 0 ? 1 : 0), hash32(frac, whole, 0x5eed)];
}

import { hash32, hex6, hex8, Rng } from './random.js';

/** The counter is three bytes, as in a MongoDB ObjectId; the offset leaves room for growth. */
const COUNTER_SPACE = 0x1000000;
const MAX_OFFSET = 0x100000;

/**
 * Record ids shaped like MongoDB ObjectIds (which Ada's are): 4 bytes of creation second, 5 bytes
 * fixed per stream, 3 bytes of counter. Because the middle part is constant and the counter is
 * `offset + index`, comparing two ids as strings equals comparing (creation second, index) as
 * numbers, so the (timestamp, _id) sort order needs no stored strings, and an id parses back to
 * its record index.
 */
export class IdCodec {
  private readonly middle: string;
  private readonly offset: number;

  constructor(seedWords: readonly [number, number], streamTag: number) {
    const rng = new Rng(hash32(seedWords[0], seedWords[1], streamTag));
    this.middle = rng.hex(10);
    this.offset = rng.next() % MAX_OFFSET;
  }

  get capacity(): number {
    return COUNTER_SPACE - this.offset;
  }

  make(createdSecond: number, index: number): string {
    return hex8(createdSecond) + this.middle + hex6(this.offset + index);
  }

  /** The record index an id would belong to, or null if it cannot be one of ours. */
  indexOf(id: string): number | null {
    if (!/^[0-9a-f]{24}$/.test(id) || id.slice(8, 18) !== this.middle) return null;
    const index = Number.parseInt(id.slice(18), 16) - this.offset;
    return index >= 0 ? index : null;
  }
}

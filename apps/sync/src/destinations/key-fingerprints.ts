/**
 * The keys a direct load has seen, kept as 52-bit fingerprints in an open-addressing table of
 * doubles: no object per key for the garbage collector to keep and move (a Set of 250,000 key
 * strings cost a tenth of ada-sync's main thread). Two different keys may share a fingerprint, for
 * a million keys about one chance in ten thousand: that reads as a repeated key, which only ends
 * the direct load early (see SqlDestination), never loses or doubles a row.
 */
export class KeyFingerprints {
  /** 0 marks a free slot; fingerprints are at least 1. */
  private slots = new Float64Array(1 << 16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it (or a key with the same fingerprint) was there already. */
  add(key: string): boolean {
    const { low, high } = hashes(key);
    const fingerprint = high * 2 ** 32 + low + 1;
    let mask = this.slots.length - 1;
    for (let i = low & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === fingerprint) return false;
      if (slot === 0) {
        this.slots[i] = fingerprint;
        break;
      }
    }
    if (++this.count * 2 > this.slots.length) {
      const old = this.slots;
      this.slots = new Float64Array(old.length * 2);
      mask = this.slots.length - 1;
      for (const f of old) {
        if (f === 0) continue;
        let i = ((f - 1) % 2 ** 32) & mask;
        while (this.slots[i] !== 0) i = (i + 1) & mask;
        this.slots[i] = f;
      }
    }
    return true;
  }
}

/**
 * Keys seen, as a Bloom filter of a fixed 4 MiB: "new" is certain, "seen" may be wrong, about once in
 * ten million keys up to a million of them and more often past that (at ten million, soon). A wrong
 * "seen" only sends a JSONL file through the exact de-duplication. Unlike KeyFingerprints, its memory
 * does not grow with the keys.
 */
export class SeenKeys {
  private readonly bits = new Uint32Array(SEEN_BITS / 32);

  /** Adds the key; false when it may have been added before. */
  add(key: string): boolean {
    const { low, high } = hashes(key);
    const step = high * 2 + 1; // odd, so that the probes of one key differ
    let fresh = false;
    for (let i = 0; i < SEEN_PROBES; i++) {
      const bit = (low + i * step) % SEEN_BITS;
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.bits[word]! & mask) === 0) {
        fresh = true;
        this.bits[word]! |= mask;
      }
    }
    return fresh;
  }
}

const SEEN_BITS = 2 ** 25;
const SEEN_PROBES = 16;

/** Two independent hashes of the key's UTF-16 code units: 32 bits (FNV-1a) and 20 bits (a multiply-xorshift). */
function hashes(key: string): { low: number; high: number } {
  let a = 0x811c9dc5 ^ key.length;
  let b = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return { low: a >>> 0, high: (b ^ (b >>> 16)) >>> 12 };
}

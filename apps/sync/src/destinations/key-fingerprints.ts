/**
 * The keys a direct load has seen, and how many, in SeenKeys' fixed 4 MiB (taken at the first key):
 * no object per key for the garbage collector to keep and move (a Set of 250,000 key strings cost a
 * tenth of ada-sync's main thread), and no memory that grows with the keys (a table of 52-bit
 * fingerprints took 16 MB at a million). A new key taken for one seen before, for a million keys
 * about one chance in a hundred and far less below that, only ends the direct load early (see
 * SqlDestination), never loses or doubles a row.
 */
export class KeyFingerprints {
  private seen: SeenKeys | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it (or, rarely, another key) was added before. */
  add(key: string): boolean {
    this.seen ??= new SeenKeys();
    if (!this.seen.add(key)) return false;
    this.count++;
    return true;
  }
}

/**
 * Keys seen, as a Bloom filter of a fixed 4 MiB: "new" is certain, "seen" may be wrong, about once in
 * ten million keys up to a million of them and more often past that (at ten million, soon). A wrong
 * "seen" only sends a JSONL file through the exact de-duplication. Its memory does not grow with the keys.
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

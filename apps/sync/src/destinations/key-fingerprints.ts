/**
 * The keys a direct load has seen, and how many, in SeenKeys' fixed 8 MiB (taken at the first key):
 * no object per key for the garbage collector to keep and move (a Set of 250,000 key strings cost a
 * tenth of ada-sync's main thread), and no memory that grows with the keys (a table of 52-bit
 * fingerprints took 16 MB at a million). A new key taken for one seen before (see SeenKeys) only
 * ends the direct load early (see SqlDestination), never loses or doubles a row.
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
 * Keys seen, as a Bloom filter of a fixed 8 MiB: "new" is certain, "seen" may be wrong: over a
 * whole load of a million keys, about once in a thousand loads, and far more often past that. A wrong
 * "seen" only sends a JSONL file through the exact de-duplication. Its memory does not grow with the keys.
 * A key's bits all lie in one 64-byte block, one in each of its 16 words (a split-block filter): a
 * probe per cache line instead of 16 scattered, which made this a tenth of ada-sync's main thread
 * on a direct load. Blocks fill unevenly (a key's block is random), so a split filter needs more
 * room than a classic one: at 4 MiB a load of a million keys met a wrong "seen" about once in three
 * loads (expected 0.39 per load), and the bench's 1M syncs then went through the exact path with
 * 70-110 MB more and half again the time; at 8 MiB it is 0.0009 per load.
 */
export class SeenKeys {
  private readonly words = new Uint32Array(SEEN_BLOCKS * BLOCK_WORDS);

  /** Adds the key; false when it may have been added before. */
  add(key: string): boolean {
    const { block, bits } = hashes(key);
    const base = (block % SEEN_BLOCKS) * BLOCK_WORDS;
    let fresh = false;
    for (let i = 0; i < BLOCK_WORDS; i++) {
      const mask = 1 << (Math.imul(bits, SALTS[i]!) >>> 27);
      const word = base + i;
      if ((this.words[word]! & mask) === 0) {
        fresh = true;
        this.words[word]! |= mask;
      }
    }
    return fresh;
  }
}

/** 16 words of 32 bits: 64 bytes, one cache line. */
const BLOCK_WORDS = 16;
const SEEN_BLOCKS = 2 ** 26 / (32 * BLOCK_WORDS);
/** Odd multipliers that spread one 32-bit hash to a different bit of each word. */
const SALTS = [
  0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
  0x2f7a1b3d, 0x6a4c3b1f, 0x1b873593, 0xcc9e2d51, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1,
];

/** Two independent 32-bit hashes of the key's UTF-16 code units: FNV-1a and a multiply-xorshift. */
function hashes(key: string): { block: number; bits: number } {
  let a = 0x811c9dc5 ^ key.length;
  let b = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return { block: a >>> 0, bits: (b ^ (b >>> 16)) >>> 0 };
}

/**
 * Encoded rows (one line each) waiting to be loaded, kept as UTF-8 in one growing buffer. Lines are
 * encoded as they arrive: a batch of strings would outlive young-generation collections and cost
 * full ones, and would be encoded again when written out.
 */
export class LineBatch {
  private bytes: Buffer = EMPTY;
  private used = 0;
  /** End offset and sequence number of each row. */
  private ends: number[] = [];
  private seqs: number[] = [];
  /** Characters of the longest line: what a reader's per-line limit must allow. */
  longest = 0;
  /** Whether some rows are records as their source wrote them (SqlDriver.addRecordLine). */
  hasRecordLines = false;
  /** Whether some rows were encoded by SqlDriver.encodeRow. */
  hasEncodedRows = false;

  /** Room for a typical batch, taken at the first row: growing copies what is there, and that adds up. */
  constructor(private readonly initialBytes = 8 * 1024 * 1024) {}

  get rows(): number {
    return this.ends.length;
  }

  get byteLength(): number {
    return this.used;
  }

  /** Sequence number of the last row, or 0 when empty. */
  get lastSeq(): number {
    return this.seqs.length === 0 ? 0 : this.seqs[this.seqs.length - 1]!;
  }

  add(line: string, seq: number): void {
    this.reserve(line.length * 3); // a UTF-16 code unit takes at most 3 bytes of UTF-8
    this.used += this.bytes.write(line, this.used);
    this.hasEncodedRows = true;
    this.ended(seq, line.length);
  }

  /** A record line between a prefix and a suffix (ASCII), its bytes copied where they are at hand. */
  addRecordLine(prefix: string, line: string, utf8: Buffer | undefined, suffix: string, seq: number): void {
    const size = utf8 ? utf8.length : line.length * 3;
    this.reserve(prefix.length + size + suffix.length);
    this.writeAscii(prefix);
    if (utf8) {
      this.bytes.set(utf8, this.used);
      this.used += utf8.length;
    } else {
      this.used += this.bytes.write(line, this.used);
    }
    this.writeAscii(suffix);
    this.hasRecordLines = true;
    // In characters or more (a byte count is at least the character count).
    this.ended(seq, prefix.length + size + suffix.length);
  }

  /** Byte by byte: for the few characters of a row's prefix, a call into Buffer.write costs more than the copy. */
  private writeAscii(text: string): void {
    const bytes = this.bytes;
    let at = this.used;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.used = at;
  }

  private reserve(room: number): void {
    if (this.used + room > this.bytes.length) {
      const size = Math.max(this.bytes.length * 2, this.initialBytes, this.used + room);
      const grown = takeSpare(size) ?? Buffer.allocUnsafe(size);
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
  }

  /**
   * Once the rows are loaded: the memory may hold the next batch. A fresh 8 MiB per batch cost a page
   * fault per 4 KiB written and, as memory outside V8's heap, full collections of a heap that had no
   * garbage to speak of. The batch must not be used afterwards.
   */
  release(): void {
    const bytes = this.bytes;
    this.bytes = EMPTY;
    this.used = 0;
    this.ends = [];
    this.seqs = [];
    if (bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength && bytes.length >= (spare?.length ?? 0)) spare = bytes;
  }

  private ended(seq: number, length: number): void {
    this.ends.push(this.used);
    this.seqs.push(seq);
    if (length > this.longest) this.longest = length;
  }

  /** How many rows, from the first, have a sequence number of at most `seq`. */
  rowsUpTo(seq: number): number {
    let n = 0;
    while (n < this.seqs.length && this.seqs[n]! <= seq) n++;
    return n;
  }

  /** The encoded bytes of all rows. */
  content(): Buffer {
    return this.bytes.subarray(0, this.used);
  }

  /** Splits off the first `n` rows as a batch of their own; this batch keeps the rest. */
  takeFirst(n: number): LineBatch {
    const cut = n === 0 ? 0 : this.ends[n - 1]!;
    const head = new LineBatch(0);
    head.bytes = this.bytes.subarray(0, cut);
    head.used = cut;
    head.ends = this.ends.slice(0, n);
    head.seqs = this.seqs.slice(0, n);
    head.longest = this.longest;
    head.hasRecordLines = this.hasRecordLines;
    head.hasEncodedRows = this.hasEncodedRows;
    const rest = Buffer.allocUnsafe(Math.max(this.bytes.length, (this.used - cut) * 2));
    this.bytes.copy(rest, 0, cut, this.used);
    this.bytes = rest;
    this.used -= cut;
    this.ends = this.ends.slice(n).map((end) => end - cut);
    this.seqs = this.seqs.slice(n);
    return head;
  }
}

const EMPTY = Buffer.alloc(0);

/** One released batch's memory, kept for the next batch that needs as much (see LineBatch.release). */
let spare: Buffer | undefined;

function takeSpare(size: number): Buffer | undefined {
  if (spare === undefined || spare.length < size) return undefined;
  const taken = spare;
  spare = undefined;
  return taken;
}

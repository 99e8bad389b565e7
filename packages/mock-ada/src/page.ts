const CHUNK_BYTES = 1 << 20;

/**
 * Collects ASCII text into 1 MiB buffers as it is produced. Copying each record out at once lets
 * its temporary strings die young; holding a 10,000-record page as strings until the end costs
 * more in garbage collection than building it.
 */
export class AsciiChunks {
  private readonly chunks: Buffer[] = [];
  private current = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;

  /** Only for text known to be ASCII: Latin-1 writes one byte per character with no encoding step. */
  write(text: string): void {
    if (text.length > this.current.length - this.offset) {
      this.chunks.push(this.current.subarray(0, this.offset));
      this.current = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, text.length));
      this.offset = 0;
    }
    this.offset += this.current.write(text, this.offset, 'latin1');
  }

  finish(): Buffer[] {
    this.chunks.push(this.current.subarray(0, this.offset));
    return this.chunks;
  }
}

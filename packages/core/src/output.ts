import type {
  AirbyteCatalog,
  AirbyteConnectionStatus,
  AirbyteLogMessage,
  AirbyteMessage,
  AirbyteStateMessage,
  AirbyteStreamStatus,
  ConnectorSpecification,
} from './generated/protocol.js';
import { type ConnectorError } from './errors.js';
import { filterSecrets } from './secrets.js';
import { heldBytes, type HeldBytes } from './held-bytes.js';

export type LogLevel = AirbyteLogMessage['level'];

const PROTOCOL_ENUMS = new Set(['type', 'level', 'status', 'failure_type']);

/** Enough buffered output to amortise write calls (each is a syscall) without holding many records. */
const FLUSH_BYTES = 1024 * 1024;
/**
 * Room for one more line after the flush threshold is crossed, so that a chunk is written as soon
 * as it holds FLUSH_BYTES; a line that may not fit is preceded by a write of what is buffered.
 */
const CHUNK_BYTES = FLUSH_BYTES + 64 * 1024;
/** Written chunks kept for reuse: fresh memory costs a page fault per 4 KiB on first touch. */
const SPARE_CHUNKS = 16;
/** A UTF-16 code unit becomes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, becomes 4). */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Writes Airbyte messages to stdout, one JSON object per line. Lines are encoded straight into
 * a Buffer and written in chunks: no per-line strings to concatenate and no second encoding pass
 * in the stream, which for records (the hot path) is a large share of a read's CPU and garbage.
 * Every message but RECORD passes through filterSecrets. Order is preserved, so a STATE is never
 * written before the records it covers.
 */
export class MessageWriter {
  private chunk: Buffer | undefined;
  private used = 0;
  private readonly spare: Buffer[] = [];
  /** The chain of writes handed to the stream; flush waits for all of them. */
  private pending: Promise<void> = Promise.resolve();
  private readonly recordPrefixes = new Map<string, Buffer>();
  /** Records of one page share their emitted_at, so the line's tail is encoded once per page. */
  private suffixAt = Number.NaN;
  private suffix: Buffer = Buffer.alloc(0);
  /** When a chunk was last handed to the stream. */
  private lastWrite = Date.now();

  /**
   * `reuseChunks`: whether `out` is done with a chunk once its write callback fires, so the memory
   * can take the next lines. True of stdout (a pipe, file or terminal); not of every stream (a
   * PassThrough keeps the chunk until it is read), hence off for any other stream by default.
   * `held`: the budget that counts what waits for `out` to take it (stdout's is the process's).
   */
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    readonly debugEnabled = false,
    private readonly reuseChunks = out === process.stdout,
    private readonly held: HeldBytes | undefined = out === process.stdout ? heldBytes : undefined,
  ) {}

  record(stream: string, data: unknown, emittedAt: number): void {
    let prefix = this.recordPrefixes.get(stream);
    if (prefix === undefined) {
      prefix = Buffer.from(`{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`, 'utf8');
      this.recordPrefixes.set(stream, prefix);
    }
    if (emittedAt !== this.suffixAt) {
      this.suffixAt = emittedAt;
      this.suffix = Buffer.from(`,"emitted_at":${emittedAt}}}\n`, 'latin1');
    }
    const json = JSON.stringify(data);
    // Data JSON cannot represent (undefined, a function) still shows up in the line rather than vanishing.
    const text = json === undefined ? 'undefined' : json;
    const suffix = this.suffix;
    const chunk = this.room(prefix.length + text.length * MAX_UTF8_PER_UNIT + suffix.length);
    let at = this.used;
    chunk.set(prefix, at);
    at += prefix.length;
    at += chunk.write(text, at, 'utf8');
    chunk.set(suffix, at);
    this.used = at + suffix.length;
    if (this.used >= FLUSH_BYTES) this.writeBuffer();
  }

  state(state: AirbyteStateMessage): void {
    this.message({ type: 'STATE', state });
  }

  log(level: LogLevel, message: string): void {
    if (level === 'DEBUG' && !this.debugEnabled) return;
    this.message({ type: 'LOG', log: { level, message } });
  }

  info(message: string): void {
    this.log('INFO', message);
  }

  warn(message: string): void {
    this.log('WARN', message);
  }

  debug(message: string): void {
    this.log('DEBUG', message);
  }

  spec(spec: ConnectorSpecification): void {
    this.message({ type: 'SPEC', spec });
  }

  connectionStatus(status: AirbyteConnectionStatus): void {
    this.message({ type: 'CONNECTION_STATUS', connectionStatus: status });
  }

  catalog(catalog: AirbyteCatalog): void {
    this.message({ type: 'CATALOG', catalog });
  }

  streamStatus(stream: string, status: AirbyteStreamStatus): void {
    this.message({
      type: 'TRACE',
      trace: {
        type: 'STREAM_STATUS',
        emitted_at: Date.now(),
        stream_status: { stream_descriptor: { name: stream }, status },
      },
    });
  }

  error(error: ConnectorError, stream?: string): void {
    const cause = error.cause instanceof Error ? error.cause : undefined;
    this.message({
      type: 'TRACE',
      trace: {
        type: 'ERROR',
        emitted_at: Date.now(),
        error: {
          message: error.message,
          failure_type: error.failureType,
          ...(cause ? { internal_message: `${cause.name}: ${cause.message}` } : {}),
          // Stack traces are for whoever debugs the connector, not for the user's sync log.
          ...(this.debugEnabled && error.stack ? { stack_trace: error.stack } : {}),
          ...(stream ? { stream_descriptor: { name: stream } } : {}),
        },
      },
    });
  }

  /** How long since anything was handed to the stream (lines may wait in the buffer meanwhile). */
  idleMs(now = Date.now()): number {
    return now - this.lastWrite;
  }

  /** Writes anything still buffered; resolves once the stream has accepted everything so far. */
  flush(): Promise<void> {
    this.writeBuffer();
    return this.pending;
  }

  private writeBuffer(): void {
    if (this.used === 0) return;
    const whole = this.chunk!;
    const chunk = whole.subarray(0, this.used);
    this.lastWrite = Date.now();
    this.chunk = undefined;
    this.used = 0;
    this.held?.outputQueued(chunk.length);
    const written = new Promise<void>((resolve, reject) =>
      this.out.write(chunk, (err) => {
        this.held?.outputWritten(chunk.length);
        if (err) return reject(err);
        if (this.reuseChunks && whole.length === CHUNK_BYTES && this.spare.length < SPARE_CHUNKS) this.spare.push(whole);
        resolve();
      }),
    );
    // A failed write (the reader went away) surfaces at the next awaited flush, not as an unhandled rejection.
    this.pending = Promise.all([this.pending, written]).then(() => undefined);
    this.pending.catch(() => undefined);
  }

  /** The current chunk with at least `bytes` free after `used`; what is buffered is written first if it must. */
  private room(bytes: number): Buffer {
    let chunk = this.chunk;
    if (chunk !== undefined && this.used + bytes <= chunk.length) return chunk;
    this.writeBuffer();
    chunk = bytes <= CHUNK_BYTES ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafeSlow(bytes);
    this.chunk = chunk;
    return chunk;
  }

  /**
   * Every message but RECORD goes through the secret filter, string by string (before JSON
   * escaping), except the protocol's own enum fields, which must stay readable to the platform.
   */
  private message(message: AirbyteMessage): void {
    this.push(
      JSON.stringify(message, (key, value: unknown) => (typeof value === 'string' && !PROTOCOL_ENUMS.has(key) ? filterSecrets(value) : value)) + '\n',
    );
  }

  private push(line: string): void {
    const chunk = this.room(line.length * MAX_UTF8_PER_UNIT);
    this.used += chunk.write(line, this.used, 'utf8');
    if (this.used >= FLUSH_BYTES) this.writeBuffer();
  }
}

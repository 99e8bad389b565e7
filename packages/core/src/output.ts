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

export type LogLevel = AirbyteLogMessage['level'];

const PROTOCOL_ENUMS = new Set(['type', 'level', 'status', 'failure_type']);

/** Enough buffered output to amortise write calls (each is a syscall) without holding many records. */
const FLUSH_BYTES = 1024 * 1024;

/**
 * Writes Airbyte messages to stdout, one JSON object per line. Records are buffered and written in
 * chunks (the hot path); every other message passes through filterSecrets. Order is preserved, so a
 * STATE is never written before the records it covers.
 */
export class MessageWriter {
  private buffer: string[] = [];
  private buffered = 0;
  /** The chain of writes handed to the stream; flush waits for all of them. */
  private pending: Promise<void> = Promise.resolve();
  private readonly recordPrefixes = new Map<string, string>();

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    readonly debugEnabled = false,
  ) {}

  record(stream: string, data: unknown, emittedAt: number): void {
    let prefix = this.recordPrefixes.get(stream);
    if (prefix === undefined) {
      prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`;
      this.recordPrefixes.set(stream, prefix);
    }
    this.push(`${prefix}${JSON.stringify(data)},"emitted_at":${emittedAt}}}\n`);
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

  /** Writes anything still buffered; resolves once the stream has accepted everything so far. */
  flush(): Promise<void> {
    this.writeBuffer();
    return this.pending;
  }

  private writeBuffer(): void {
    if (this.buffered === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    const written = new Promise<void>((resolve, reject) => this.out.write(chunk, (err) => (err ? reject(err) : resolve())));
    // A failed write (the reader went away) surfaces at the next awaited flush, not as an unhandled rejection.
    this.pending = Promise.all([this.pending, written]).then(() => undefined);
    this.pending.catch(() => undefined);
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
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered >= FLUSH_BYTES) this.writeBuffer();
  }
}

/**
 * Every failure the user can meet is one of these, and `errorSentence` is the single place that turns
 * any thrown value into the one sentence we print. Stack traces are never shown to users.
 */

export type ErrorKind = 'usage' | 'source' | 'destination' | 'interrupted' | 'internal';

export class AdaSyncError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** Wrong arguments or unreadable input files: exit code 2. */
export class UsageError extends AdaSyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

export type SourceFailureType = 'system_error' | 'config_error' | 'transient_error';

/** The source process failed; `message` is the source's own sentence when it sent one. */
export class SourceError extends AdaSyncError {
  readonly failureType: SourceFailureType | undefined;
  constructor(message: string, options?: { cause?: unknown; failureType?: SourceFailureType | undefined }) {
    super('source', message, options);
    this.failureType = options?.failureType;
  }
}

/** The destination could not be reached, opened or written. */
export class DestinationError extends AdaSyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('destination', message, options);
  }
}

export class InterruptedError extends AdaSyncError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super('interrupted', signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`);
    this.signal = signal;
  }
}

/** 2 for bad input: ours (UsageError) and the source's verdict on its config (config_error). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return error.signal === 'SIGINT' ? 130 : 143;
  if (error instanceof UsageError) return 2;
  if (error instanceof SourceError && error.failureType === 'config_error') return 2;
  return 1;
}

interface SystemErrorLike {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
}

const SYSTEM_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  EPIPE: 'the other side closed the pipe',
};

function describeSystemError(e: SystemErrorLike): string | undefined {
  if (typeof e.code !== 'string' || !(e.code in SYSTEM_ERROR_TEXT)) return undefined;
  const text = SYSTEM_ERROR_TEXT[e.code];
  if (typeof e.path === 'string') return `${e.path}: ${text}`;
  if (typeof e.address === 'string') {
    return `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}: ${text}`;
  }
  return text;
}

/** Database drivers prefix messages with their error class and append SQL context lines; users need neither. */
function cleanDriverMessage(message: string): string {
  const firstLine = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return firstLine
    .replace(/^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*){0,2} Error: /, '') // DuckDB's "IO Error: ", "Conversion Error: ", …
    .trim();
}

function rawDescription(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return rawDescription(error.errors[0]);
  if (error instanceof Error) {
    const system = describeSystemError(error as SystemErrorLike);
    if (system) return system;
    return cleanDriverMessage(error.message || error.name);
  }
  if (typeof error === 'string') return error;
  return 'unknown error';
}

/** Our own errors carry context in `message` and the low-level reason in `cause`; join them into one line. */
function describe(error: unknown): string {
  if (error instanceof AdaSyncError) {
    const own = error.message;
    if (error.cause === undefined) return own;
    let cause = describe(error.cause);
    if (!cause || own.includes(cause)) return own;
    // "…at 127.0.0.1:5432" + "127.0.0.1:5432: connection refused" should not name the address twice.
    const colon = cause.indexOf(': ');
    if (colon > 0 && own.includes(cause.slice(0, colon))) cause = cause.slice(colon + 2);
    return `${own}: ${cause}`;
  }
  return rawDescription(error);
}

/** The one sentence printed for any error: capitalised, single line, ending with a period. */
export function errorSentence(error: unknown): string {
  let text = describe(error).replace(/\s*\n\s*/g, ' ').trim();
  if (text === '') text = 'unknown error';
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (!/[.!?]$/.test(text)) text += '.';
  return text;
}

/**
 * Typed connector errors. Each maps to one Airbyte failure_type; `message` is the one readable
 * sentence the user sees, `cause` keeps the underlying error for --debug.
 */
export type FailureType = 'config_error' | 'transient_error' | 'system_error';

export abstract class ConnectorError extends Error {
  abstract readonly failureType: FailureType;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user must change something (config, catalog, state, credentials) before retrying. */
export class ConfigError extends ConnectorError {
  readonly failureType = 'config_error' as const;
}

/** Retrying later may succeed (rate limits, outages, network). */
export class TransientError extends ConnectorError {
  readonly failureType = 'transient_error' as const;
  /** When the caller may retry, if known (e.g. when a daily request budget refills). */
  readonly retryAt: Date | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAt?: Date }) {
    super(message, options);
    this.retryAt = options?.retryAt;
  }
}

/**
 * The API a stream reads is not available to this account (not enabled, a beta it lacks): the
 * stream is skipped with a warning and ends INCOMPLETE, and the other streams read on.
 */
export class StreamUnavailableError extends ConnectorError {
  readonly failureType = 'config_error' as const;
}

/** A bug or an API behaving in a way the connector cannot safely handle. */
export class SystemError extends ConnectorError {
  readonly failureType = 'system_error' as const;
}

/** A user-supplied value for an error sentence: JSON-quoted, and cut short if it is long. */
export function quoteInput(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  return JSON.stringify(cut);
}

/** Any thrown value as a ConnectorError; unknown errors become system errors. */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const cause = error instanceof Error && error.cause instanceof ConnectorError ? error.cause : undefined;
  if (cause) return cause;
  const text = error instanceof Error ? error.message : String(error);
  return new SystemError(`Unexpected error: ${text}`, { cause: error });
}

import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Got, RequestError, Response } from 'got';
import { ConnectorError, SystemError, TransientError } from '../errors.js';
import { formatDuration } from '../time.js';
import { type Pacer, type Slot } from './pacer.js';
import { trackRequest, type InFlightRequest } from './in-flight.js';
import { type ServerClock } from './server-clock.js';
import { holdResponse } from './body-hold.js';
import { heldBytes, type HeldBytes, type Reservation } from '../held-bytes.js';
import { isRetryable, retryBudgetMs, retryDelayMs, retryLimit, type RetryableFailure } from './retry-policy.js';

export interface HttpLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export interface HttpClientOptions {
  headers: Record<string, string>;
  log: HttpLogger;
  /** Retries after the first attempt. */
  maxRetries: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest server-requested wait we sit out inside a request before giving up as transient. */
  maxRetryWaitMs?: number;
  timeoutMs?: number;
  /** Turns a non-retryable HTTP failure (4xx) into the user's sentence; the API's envelope is source-specific. */
  describeHttpError(status: number, body: string, url: URL): ConnectorError;
  /** Says how to fix an unreachable host (the source knows which config fields decide it). */
  describeUnreachable(host: string, code: string): ConnectorError;
  /** Learns the server's time from every response, errors included. */
  clock?: ServerClock;
  /** The budget of bytes held between the network and stdout (default: the process's). */
  held?: HeldBytes;
}

export interface JsonResponse<T> {
  body: T;
  status: number;
  url: string;
  durationMs: number;
}

/** Which budget a request spends: its Pacer, and the key (an endpoint) it counts under. */
export interface Pace {
  pacer: Pacer;
  key: string;
}

/**
 * The slot of the attempt in progress and the request's entry among those in flight; an object of
 * its own so that every copy of the context shares it.
 */
interface Attempt {
  slot?: Slot;
  tracked: InFlightRequest;
  /** When the latest attempt left (its request was written out). */
  sentAt?: number;
  /** The room the latest attempt's body holds, until its page is out or the attempt is given up. */
  room?: Reservation;
}

interface RequestContext extends Record<string, unknown> {
  pace: Pace;
  attempt: Attempt;
  startedAt?: number;
}

type GotModule = typeof import('got');
let gotModule: GotModule | undefined;

/**
 * got takes ~70 ms to load, a third of a connector's start: only commands that make requests pay for
 * it, not spec or discover (which a sync runs first, and waits on).
 */
async function loadGot(): Promise<GotModule> {
  gotModule ??= await import('got');
  return gotModule;
}

/**
 * GET JSON over got with one retry loop (got's), paced through the shared Pacer on every attempt,
 * retries included. Errors come out as ConnectorErrors whose messages never carry headers.
 */
export class HttpClient {
  private client: Promise<Got> | undefined;
  /** The largest body read so far: what a body of unknown length is taken to need. */
  private largestBody = 0;

  constructor(private readonly opts: HttpClientOptions) {}

  private got(): Promise<Got> {
    this.client ??= loadGot().then((module) => this.extend(module));
    return this.client;
  }

  private extend({ default: got, HTTPError }: GotModule): Got {
    const opts = this.opts;
    const backoff = { baseMs: opts.backoffBaseMs ?? 1000, maxMs: opts.backoffMaxMs ?? 60_000 };
    const maxRetryWait = opts.maxRetryWaitMs ?? 10 * 60_000;
    return got.extend({
      headers: opts.headers,
      responseType: 'json',
      timeout: { connect: 15_000, response: opts.timeoutMs ?? 120_000, read: opts.timeoutMs ?? 120_000 },
      retry: {
        limit: opts.maxRetries,
        methods: ['GET'],
        calculateDelay: ({ attemptCount, error }) => {
          const failure = failureOf(error);
          if (attemptCount > retryLimit(failure, opts.maxRetries) || !isRetryable(failure)) return 0;
          const delay = retryDelayMs(attemptCount, failure, backoff);
          if (delay > maxRetryWait) {
            throw new TransientError(
              `Ada asked us to wait ${formatDuration(delay)} before the next request; resume after ${new Date(Date.now() + delay).toISOString()}.`,
              { retryAt: new Date(Date.now() + delay) },
            );
          }
          // Other requests of the same budget must wait too, or they would just collect more 429s.
          if (failure.status === 429) (error.options.context as RequestContext).pace.pacer.pauseUntil(Date.now() + delay);
          return Math.max(1, delay);
        },
      },
      hooks: {
        beforeRequest: [
          async (options) => {
            const ctx = options.context as RequestContext;
            ctx.attempt.slot = await ctx.pace.pacer.acquire(ctx.pace.key);
            ctx.startedAt = Date.now();
          },
        ],
        afterResponse: [
          (response) => {
            const ctx = response.request.options.context as RequestContext;
            opts.log.debug(
              `GET ${response.requestUrl.toString()} -> ${response.statusCode} in ${Date.now() - (ctx.startedAt ?? Date.now())} ms`,
            );
            return response;
          },
        ],
        beforeRetry: [
          (error, retryCount) => {
            const upload = error.response?.timings.upload ?? error.timings?.upload;
            if (upload !== undefined) (error.options.context as RequestContext).attempt.slot?.sentAt(upload);
            const failure = failureOf(error);
            const attempt = (retryCount ?? 0) + 1;
            const limit = retryLimit(failure, opts.maxRetries);
            const why = error instanceof HTTPError ? `HTTP ${failure.status}` : (failure.code ?? error.name);
            const { tracked, room } = (error.options.context as RequestContext).attempt;
            room?.release();
            tracked.attempt = attempt;
            tracked.retryingAfter = why;
            const left = retryBudgetMs(attempt, limit, backoff);
            opts.log.warn(
              `Retrying GET ${error.options.url?.toString() ?? ''} (attempt ${attempt} of ${limit + 1}) after ${why}` +
                (attempt <= limit ? `; it keeps trying for up to ${formatDuration(left)} more.` : '.'),
            );
          },
        ],
      },
    });
  }

  async getJson<T>(url: string, pace: Pace): Promise<JsonResponse<T>> {
    const started = Date.now();
    const tracking = trackRequest(url);
    const attempt: Attempt = { tracked: tracking.request };
    try {
      const client = await this.got();
      const request = client.get<T>(url, { context: { pace, attempt } });
      // The rate windows count arrivals: a request still in flight when the pacer next decides must
      // already count from when it left, not from when it was granted (a new connection, a busy
      // process can part the two by more than the pacer's margin).
      request.on('request', (sent: ClientRequest) => {
        attempt.sentAt = undefined;
        sent.once('finish', () => {
          attempt.sentAt = Date.now();
          attempt.slot?.sentAt(attempt.sentAt);
        });
        holdResponse(sent, (response) => {
          this.heard(response, attempt, pace);
          return this.roomFor(response, attempt);
        });
      });
      const response: Response<T> = await request;
      this.largestBody = Math.max(this.largestBody, response.rawBody?.length ?? 0);
      return { body: response.body, status: response.statusCode, url: response.url, durationMs: Date.now() - started };
    } catch (error) {
      throw this.translate(error, url);
    } finally {
      tracking.done();
      // The caller emits the page's records before anything scheduled now runs: by then its bytes
      // are held as output, and the next body may take the room it leaves.
      const room = attempt.room;
      if (room) setImmediate(room.release);
    }
  }

  /**
   * What an answer's headers tell, taken as they arrive: its body may then wait for room (roomFor),
   * and until the pacer learns when the server counted the request and what it says is left, it
   * places the next requests by send times alone, too early whenever the server counts late (at a
   * read's start, when it is busiest).
   */
  private heard(response: IncomingMessage, attempt: Attempt, pace: Pace): void {
    const now = Date.now();
    this.opts.clock?.observe(response.headers.date, now);
    const slot = attempt.slot;
    if (attempt.sentAt !== undefined) slot?.answered(attempt.sentAt, now);
    // Another client of the same account may share the budget: the server's count says so.
    const limit = Number(response.headers['x-ratelimit-limit']);
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isInteger(limit) && Number.isInteger(remaining) && limit > 0) slot?.budget(limit, remaining);
    const reset = Number(response.headers['x-ratelimit-reset']);
    if (response.headers['x-ratelimit-remaining'] === '0' && reset > 0) pace.pacer.pauseUntil(reset * 1000);
  }

  /** Waits until the budget has room for this response's body; see HeldBytes. */
  private roomFor(response: IncomingMessage, attempt: Attempt): Promise<void> {
    attempt.room?.release();
    const length = Number(response.headers['content-length']);
    // A compressed body's length says little of the text it inflates to.
    const known = Number.isFinite(length) && length > 0 && response.headers['content-encoding'] === undefined;
    // Never so long that got's response timeout, which runs meanwhile, sends the request again.
    const maxWaitMs = Math.min(30_000, (this.opts.timeoutMs ?? 120_000) / 2);
    attempt.room = (this.opts.held ?? heldBytes).reserve(known ? length : Math.max(this.largestBody, 1024 * 1024), maxWaitMs);
    return attempt.room.granted;
  }

  private translate(error: unknown, url: string): ConnectorError {
    if (error instanceof ConnectorError) return error;
    const target = new URL(url);
    if (gotModule === undefined) return new SystemError(`The request to ${target.host}${target.pathname} failed unexpectedly.`, { cause: error });
    const { HTTPError, RequestError } = gotModule;
    if (error instanceof RequestError && error.cause instanceof ConnectorError) return error.cause;
    if (error instanceof HTTPError) {
      const status = error.response.statusCode;
      if (isRetryable({ status })) {
        return new TransientError(
          `Ada kept answering HTTP ${status} for ${target.pathname} after ${retryLimit({ status }, this.opts.maxRetries) + 1} attempts; try again later.`,
          { cause: error },
        );
      }
      // got has already parsed a JSON body; Ada's error sentence is read from the raw text.
      const raw = error.response.rawBody?.toString('utf8') ?? (typeof error.response.body === 'string' ? error.response.body : JSON.stringify(error.response.body));
      return this.opts.describeHttpError(status, raw, target);
    }
    if (error instanceof RequestError) {
      const code = error.code ?? 'ERR';
      if (code === 'ENOTFOUND' || code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN') {
        return this.opts.describeUnreachable(target.host, code);
      }
      if (code === 'ERR_BODY_PARSE_FAILURE') {
        return new TransientError(`Ada sent invalid JSON for ${target.pathname} on ${this.opts.maxRetries + 1} attempts; try again later.`, { cause: error });
      }
      return new TransientError(
        `The request to ${target.host}${target.pathname} failed (${code}) after ${this.opts.maxRetries + 1} attempts; try again later.`,
        { cause: error },
      );
    }
    return new SystemError(`The request to ${target.host}${target.pathname} failed unexpectedly.`, { cause: error });
  }
}

function failureOf(error: RequestError): RetryableFailure {
  return {
    status: error.response?.statusCode,
    code: error.code,
    headers: error.response?.headers,
  };
}


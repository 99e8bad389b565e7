import http from 'node:http';
import { Dataset, type OrderKind, type WindowPage } from './data.js';
import { FaultInjector, serverErrorStatus } from './faults.js';
import { type MockAdaOptions, resolveOptions } from './options.js';
import { AsciiChunks } from './page.js';
import { type Endpoint, type ExportQuery, nextPageUri, parseExportQuery } from './query.js';
import { ADA_RATE_LIMITS, RateLimiter, validateRateLimits } from './rate-limit.js';
import type { ConversationRecord, MessageRecord } from './record-types.js';
import { RecordFactory } from './records.js';
import { deliver, type Delivery, errorReply, nginxBadGateway, type Reply } from './respond.js';
import { earliestQueryableUs, msToUs } from './time.js';

export type Stream = 'conversations' | 'messages';

export interface MockAdaStats {
  /** Every request received, whatever its outcome. */
  requests: number;
  /** Requests per route: 'conversations', 'messages', or 'unknown' for 404s. */
  byEndpoint: Record<string, number>;
  /** Responses per HTTP status (as a string); a reset connection counts under the status it started. */
  status: Record<string, number>;
  /** Every 429, from real limiting and injected alike. */
  rateLimited: number;
  faultsInjected: number;
}

export interface MockAda {
  /** 'http://127.0.0.1:PORT'; the API lives under /api/v2/export/. */
  url: string;
  apiKey: string;
  stats(): MockAdaStats;
  resetStats(): void;
  /** Every _id currently reachable by some valid query (not older than 12 months), in API order. */
  ids(stream: Stream): string[];
  /**
   * The queryable records as the API serialises them, in API order. For tests; memory heavy.
   * Typed `object[]` so that callers can cast freely; the shapes are ConversationRecord and MessageRecord.
   */
  records(stream: Stream): object[];
  mutate(opts: { update?: number; create?: number }): { updated: string[]; created: string[] };
  setFaults(f: MockAdaOptions['faults']): void;
  setRateLimits(r: MockAdaOptions['rateLimits']): void;
  close(): Promise<void>;
}

const ROUTES = new Map<string, Endpoint>([
  ['/api/v2/export/conversations', 'conversations'],
  ['/api/v2/export/messages', 'messages'],
]);

function emptyStats(): MockAdaStats {
  return { requests: 0, byEndpoint: {}, status: {}, rateLimited: 0, faultsInjected: 0 };
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

function orderKind(query: ExportQuery): OrderKind {
  if (query.endpoint === 'messages') return 'messages-created';
  return query.cursor === 'updated' ? 'conversations-updated' : 'conversations-created';
}

export async function startMockAda(opts: MockAdaOptions = {}): Promise<MockAda> {
  const o = resolveOptions(opts);
  const dataset = new Dataset({
    seed: o.seed,
    conversations: o.conversations,
    messagesPerConversation: o.messagesPerConversation,
    historyDays: o.historyDays,
    anchorUs: msToUs(o.now()),
    tieGroups: o.tieGroups,
  });
  const factory = new RecordFactory(dataset, { handle: o.handle, undocumentedFields: o.undocumentedFields });
  let limiter = o.rateLimits === false ? null : new RateLimiter(o.rateLimits, o.rateLimitClock);
  const faults = new FaultInjector(dataset.seedWords, o.faults);
  let stats = emptyStats();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  function later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  }

  function serialisePage(query: ExportQuery, path: string): Buffer[] {
    const kind = orderKind(query);
    let page: WindowPage;
    if (query.conversationId !== null) {
      const conversation = dataset.conversationIndex(query.conversationId);
      page = conversation === null
        ? { indices: [], more: false }
        : dataset.conversationMessagesPage(conversation, query.sinceUs, query.toUs, query.pageSize);
    } else {
      page = dataset.page(kind, query.sinceUs, query.toUs, query.pageSize);
    }
    const out = new AsciiChunks();
    out.write('{"data":[');
    page.indices.forEach((index, n) => {
      if (n > 0) out.write(',');
      out.write(kind === 'messages-created' ? factory.messageJson(index) : factory.conversationJson(index));
    });
    const last = page.indices[page.indices.length - 1];
    // The link is ASCII: every component went through encodeURIComponent.
    const next = page.more && last !== undefined ? nextPageUri(origin, path, query, dataset.timestamp(kind, last)) : null;
    out.write(`],"meta":{"next_page_uri":${JSON.stringify(next)}}}`);
    return out.finish();
  }

  /** Order of checks: route, method, auth, rate limit, faults, parameters. */
  function decide(req: http.IncomingMessage): Reply {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const endpoint = ROUTES.get(url.pathname);
    bump(stats.byEndpoint, endpoint ?? 'unknown');
    if (endpoint === undefined) return errorReply(404, 'not_found', `no such endpoint: ${url.pathname}`);
    if (req.method !== 'GET') return errorReply(405, 'method_not_allowed', `${req.method ?? ''} is not allowed; use GET`, null, { allow: 'GET' });

    const auth = req.headers.authorization;
    const token = auth === undefined ? null : (/^Bearer +(\S+) *$/i.exec(auth)?.[1] ?? null);
    if (token !== null && o.forbiddenApiKeys.includes(token)) {
      return errorReply(403, 'authorization_error', 'this API key may not use the Data Export API');
    }
    if (token !== o.apiKey) {
      const message = auth === undefined ? 'missing Authorization header; expected "Bearer <API key>"' : 'invalid API key';
      return errorReply(401, 'unauthorized', message, null, { 'www-authenticate': 'Bearer' });
    }

    let rateHeaders: Reply['headers'] = {};
    if (limiter !== null) {
      const admission = limiter.admit(endpoint);
      if (!admission.admitted) {
        stats.rateLimited++;
        return errorReply(429, 'too_many_requests', 'rate limit exceeded; retry after the number of seconds in Retry-After', null, {
          'retry-after': admission.retryAfterSeconds,
        });
      }
      rateHeaders = {
        'x-ratelimit-limit': admission.minute.limit,
        'x-ratelimit-remaining': admission.minute.remaining,
        'x-ratelimit-reset': admission.minute.resetUnixSeconds,
      };
    }

    const fault = faults.next();
    if (fault !== null) stats.faultsInjected++;
    if (fault?.kind === 'server-error') {
      const status = serverErrorStatus(fault.detail);
      if (status === 502) return nginxBadGateway();
      const type = status === 500 ? 'internal_server_error' : status === 503 ? 'service_unavailable' : 'gateway_timeout';
      return errorReply(status, type, 'the export service failed to answer; try again later');
    }
    if (fault?.kind === 'rate-limit') {
      limiter?.refund(endpoint);
      stats.rateLimited++;
      return errorReply(429, 'too_many_requests', 'rate limit exceeded; retry after the number of seconds in Retry-After', null, {
        'retry-after': faults.retryAfterSeconds,
      });
    }
    const delivery: Delivery = fault === null ? 'whole' : fault.kind;
    const detail = fault?.detail ?? 0;

    const parsed = parseExportQuery(endpoint, url.searchParams, o.now());
    if (!parsed.ok) {
      return { ...errorReply(400, 'invalid_request', parsed.error.message, parsed.error.param), delivery, detail };
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json', ...rateHeaders },
      body: serialisePage(parsed.query, url.pathname),
      delivery,
      detail,
    };
  }

  const server = http.createServer((req, res) => {
    stats.requests++;
    let reply: Reply;
    try {
      reply = decide(req);
    } catch (error) {
      // A bug in the mock must not look like a deliberate fault; say so in the body.
      reply = errorReply(500, 'mock_internal_error', error instanceof Error ? error.message : String(error));
    }
    bump(stats.status, String(reply.status));
    if (o.latencyMs > 0) later(() => deliver(res, reply, later), o.latencyMs);
    else deliver(res, reply, later);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock-ada: unexpected server address');
  origin = `http://127.0.0.1:${address.port}`;

  function queryable(stream: Stream): { kind: OrderKind; indices: number[] } {
    const kind: OrderKind = stream === 'conversations' ? 'conversations-updated' : 'messages-created';
    // A conversation is reachable through updated_since as soon as its date_updated is recent enough.
    return { kind, indices: dataset.indicesFrom(kind, earliestQueryableUs(o.now())) };
  }

  function records(stream: Stream): ConversationRecord[] | MessageRecord[] {
    const { indices } = queryable(stream);
    return stream === 'conversations' ? indices.map((i) => factory.conversation(i)) : indices.map((i) => factory.message(i));
  }

  let closing: Promise<void> | null = null;

  return {
    url: origin,
    apiKey: o.apiKey,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    ids: (stream) => {
      const { indices } = queryable(stream);
      return stream === 'conversations' ? indices.map((i) => dataset.conversationId(i)) : indices.map((i) => dataset.messageId(i));
    },
    records,
    mutate: ({ update = 0, create = 0 }) => {
      for (const [name, n] of [['update', update], ['create', create]] as const) {
        if (!Number.isInteger(n) || n < 0) throw new RangeError(`mutate: ${name} must be a non-negative integer, got ${n}`);
      }
      const result = dataset.mutate(msToUs(o.now()), update, create);
      return {
        updated: result.updated.map((i) => dataset.conversationId(i)),
        created: result.created.map((i) => dataset.conversationId(i)),
      };
    },
    setFaults: (f) => faults.set(f),
    setRateLimits: (r) => {
      limiter = r === false ? null : new RateLimiter(validateRateLimits(r ?? ADA_RATE_LIMITS), o.rateLimitClock);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

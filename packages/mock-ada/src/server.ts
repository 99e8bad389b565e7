import http from 'node:http';
import { AuditLog } from './audit-log/events.js';
import { auditLogHandler } from './audit-log/handler.js';
import { Dataset, type OrderKind } from './data.js';
import { exportHandler } from './export-handler.js';
import { FaultInjector, serverErrorStatus } from './faults.js';
import { applyListMutation, type ListMutation, type ListMutationResult } from './list-mutations.js';
import { ListData } from './lists/catalog.js';
import { listHandlers } from './lists/handlers.js';
import { type MockAdaOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { Outcome } from './outcome.js';
import {
  ADA_GROUP_RATE_LIMITS, ADA_RATE_LIMITS, type GroupRateLimitOptions, type OtherClientStats, RateLimiter, resolveGroupLimits, validateRateLimits,
} from './rate-limit.js';
import { RecordFactory } from './records.js';
import { referencesOf } from './references.js';
import { deliver, errorReply, nginxBadGateway, type Reply } from './respond.js';
import { violatedRecords, withSchemaViolations } from './schema-violations.js';
import { isExportStream, RATE_LIMIT_GROUPS, ROUTES, type Stream, streamAt } from './streams.js';
import { earliestQueryableUs, msToUs } from './time.js';

export type { Stream } from './streams.js';

export interface MockAdaStats {
  /** Every request received, whatever its outcome. */
  requests: number;
  /** Requests per route: the stream's name ('conversations', 'knowledge_articles', …), or 'unknown' for 404s. */
  byEndpoint: Record<string, number>;
  /** Responses per HTTP status (as a string); a reset connection counts under the status it started. */
  status: Record<string, number>;
  /** Every 429, from real limiting and injected alike. */
  rateLimited: number;
  faultsInjected: number;
  /** With `otherClient`: the other client's requests admitted and refused since the limits were last set. */
  otherClient?: OtherClientStats;
}

export interface MockAda {
  /** 'http://127.0.0.1:PORT'; the API lives under /api/v2/. */
  url: string;
  apiKey: string;
  stats(): MockAdaStats;
  resetStats(): void;
  /**
   * The primary keys a full read of the stream should end with, in API order: for the export
   * streams every _id reachable by a valid query (not older than 12 months); for the lists their
   * current rows (channels: custom, then native); for the audit log every event up to now, newest first.
   */
  ids(stream: Stream): string[];
  /**
   * The same records as the API serialises them, in the same order. For tests; memory heavy for
   * the export streams. Typed `object[]` so that callers can cast freely (ConversationRecord,
   * MessageRecord, KnowledgeArticleRecord, …).
   */
  records(stream: Stream): object[];
  /** Updates and creates conversations (with messages), dated now. */
  mutate(opts: { update?: number; create?: number }): { updated: string[]; created: string[] };
  /** Deletes and creates list rows and appends audit events, dated now; visible to the next request. */
  mutateLists(m: ListMutation): ListMutationResult;
  setFaults(f: MockAdaOptions['faults']): void;
  /** The export group's limits (undefined: Ada's), or false to stop all limiting. Windows start afresh. */
  setRateLimits(r: MockAdaOptions['rateLimits']): void;
  /** Replaces the named groups' limits (false: unlimited); does not switch limiting back on after rateLimits: false. */
  setGroupRateLimits(g: GroupRateLimitOptions): void;
  close(): Promise<void>;
}

function emptyStats(): MockAdaStats {
  return { requests: 0, byEndpoint: {}, status: {}, rateLimited: 0, faultsInjected: 0 };
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

function tooManyRequests(retryAfterSeconds: number): Reply {
  return errorReply(429, 'too_many_requests', 'rate limit exceeded; retry after the number of seconds in Retry-After', null, {
    'retry-after': retryAfterSeconds,
  });
}

/**
 * The one key the mock accepts, plus on the non-export APIs the keys barred from the Data Export
 * add-on only. null when the request may go on.
 */
function authenticate(req: http.IncomingMessage, stream: Stream, o: ResolvedOptions): Reply | null {
  const auth = req.headers.authorization;
  const token = auth === undefined ? null : (/^Bearer +(\S+) *$/i.exec(auth)?.[1] ?? null);
  if (token !== null && o.forbiddenApiKeys.includes(token)) {
    return isExportStream(stream) ? errorReply(403, 'authorization_error', 'this API key may not use the Data Export API') : null;
  }
  if (token === o.apiKey) return null;
  const message = auth === undefined ? 'missing Authorization header; expected "Bearer <API key>"' : 'invalid API key';
  return errorReply(401, 'unauthorized', message, null, { 'www-authenticate': 'Bearer' });
}

/** Features the account lacks: a beta stream answers 403, a disabled audit log 404 (ada-api.md §9.8, §10.3). */
function featureGate(stream: Stream, o: ResolvedOptions): Reply | null {
  if (o.forbiddenStreams.includes(stream)) {
    return errorReply(403, 'authorization_error', `this account does not have access to ${ROUTES[stream].path}/ (a feature not enabled for it)`);
  }
  if (stream === 'audit_log_events' && !o.auditLog) {
    return errorReply(404, 'not_found', 'the Audit log API is not enabled for this account');
  }
  return null;
}

function replyOf(outcome: Outcome, rateHeaders: Reply['headers']): Reply {
  if (!outcome.ok) return errorReply(outcome.status, outcome.type, outcome.message, outcome.param);
  return { status: 200, headers: { 'content-type': 'application/json', ...rateHeaders }, body: outcome.body, delivery: 'whole', detail: 0 };
}

export async function startMockAda(opts: MockAdaOptions = {}): Promise<MockAda> {
  const o = resolveOptions(opts);
  const anchorUs = msToUs(o.dataUntil ?? o.now());
  const dataset = new Dataset({
    seed: o.seed,
    conversations: o.conversations,
    messagesPerConversation: o.messagesPerConversation,
    historyDays: o.historyDays,
    anchorUs,
    tieGroups: o.tieGroups,
  });
  const lists = new ListData({ seedWords: dataset.seedWords, anchorUs, handle: o.handle }, o, dataset);
  const audit = new AuditLog(
    { seedWords: dataset.seedWords, anchorUs, historyDays: o.historyDays, events: o.auditEvents, handle: o.handle },
    { knowledge_article: lists.articles, playbook: lists.playbooks, knowledge_source: lists.sources, variable: lists.table('variables').rows() },
  );
  const factory = new RecordFactory(dataset, { handle: o.handle, undocumentedFields: o.undocumentedFields, references: referencesOf(lists) });
  const handlers = withSchemaViolations(
    {
      conversations: exportHandler(dataset, factory, 'conversations'),
      messages: exportHandler(dataset, factory, 'messages'),
      audit_log_events: auditLogHandler(audit),
      ...listHandlers(lists),
    },
    o.schemaViolations,
  );
  let rateLimitsOn = o.rateLimitsOn;
  const groupLimits = { ...o.groupRateLimits };
  let otherClient: OtherClientStats | undefined;
  const newLimiter = (): RateLimiter | null => {
    const created = rateLimitsOn ? new RateLimiter(groupLimits, o.rateLimitClock) : null;
    otherClient = o.otherClient && created ? created.shareWith(o.otherClient) : undefined;
    return created;
  };
  let limiter = newLimiter();
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

  /** Order of checks: route, method, auth, feature gates, rate limit, faults, parameters. */
  function decide(req: http.IncomingMessage): Reply {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const stream = streamAt(url.pathname);
    bump(stats.byEndpoint, stream ?? 'unknown');
    if (stream === undefined) return errorReply(404, 'not_found', `no such endpoint: ${url.pathname}`);
    if (req.method !== 'GET') return errorReply(405, 'method_not_allowed', `${req.method ?? ''} is not allowed; use GET`, null, { allow: 'GET' });
    const refused = authenticate(req, stream, o) ?? featureGate(stream, o);
    if (refused !== null) return refused;

    const group = ROUTES[stream].group;
    const admission = limiter?.admit(group, stream) ?? null;
    if (admission !== null && !admission.admitted) {
      stats.rateLimited++;
      return tooManyRequests(admission.retryAfterSeconds);
    }
    const told = admission === null ? null : admission[o.rateLimitHeaders];
    const rateHeaders: Reply['headers'] = told === null ? {} : {
      'x-ratelimit-limit': told.limit,
      'x-ratelimit-remaining': told.remaining,
      'x-ratelimit-reset': told.resetUnixSeconds,
    };

    const fault = faults.next();
    if (fault !== null) stats.faultsInjected++;
    if (fault?.kind === 'server-error') {
      const status = serverErrorStatus(fault.detail);
      if (status === 502) return nginxBadGateway();
      const type = status === 500 ? 'internal_server_error' : status === 503 ? 'service_unavailable' : 'gateway_timeout';
      return errorReply(status, type, 'the service failed to answer; try again later');
    }
    if (fault?.kind === 'rate-limit') {
      limiter?.refund(group, stream);
      stats.rateLimited++;
      return tooManyRequests(faults.retryAfterSeconds);
    }
    const outcome = handlers[stream]({ search: url.searchParams, path: url.pathname, origin, nowMs: o.now() });
    return { ...replyOf(outcome, rateHeaders), delivery: fault === null ? 'whole' : fault.kind, detail: fault?.detail ?? 0 };
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
    // The Date header is the server's own clock when it answers, as Ada's is: clients bound their reads by it.
    const send = () => {
      res.sendDate = false;
      res.setHeader('date', new Date(o.now()).toUTCString());
      deliver(res, reply, later);
    };
    if (o.latencyMs > 0) later(send, o.latencyMs);
    else send();
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

  function queryable(stream: 'conversations' | 'messages'): number[] {
    const kind: OrderKind = stream === 'conversations' ? 'conversations-updated' : 'messages-created';
    // A conversation is reachable through updated_since as soon as its date_updated is recent enough.
    return dataset.indicesFrom(kind, earliestQueryableUs(o.now()));
  }

  function served(stream: Stream): object[] {
    if (stream === 'conversations') return queryable(stream).map((i) => factory.conversation(i));
    if (stream === 'messages') return queryable(stream).map((i) => factory.message(i));
    if (stream === 'audit_log_events') return audit.records(msToUs(o.now()));
    // Through JSON, so that callers get what a client parses, never the mock's own objects.
    return JSON.parse(JSON.stringify(lists.rows(stream))) as object[];
  }

  function records(stream: Stream): object[] {
    return violatedRecords(stream, served(stream), o.schemaViolations);
  }

  function ids(stream: Stream): string[] {
    if (stream === 'conversations') return queryable(stream).map((i) => dataset.conversationId(i));
    if (stream === 'messages') return queryable(stream).map((i) => dataset.messageId(i));
    if (stream === 'audit_log_events') return audit.records(msToUs(o.now())).map((e) => e.id);
    return lists.keys(stream);
  }

  let closing: Promise<void> | null = null;

  return {
    url: origin,
    apiKey: o.apiKey,
    stats: () => structuredClone(otherClient ? { ...stats, otherClient } : stats),
    resetStats: () => {
      stats = emptyStats();
    },
    ids,
    records,
    mutate: ({ update = 0, create = 0 }) => {
      for (const [name, n] of [['update', update], ['create', create]] as const) {
        if (!Number.isInteger(n) || n < 0) throw new RangeError(`mutate: ${name} must be a non-negative integer, got ${n}`);
      }
      const result = dataset.mutate(msToUs(o.now()), update, create);
      lists.conversationsChanged();
      return {
        updated: result.updated.map((i) => dataset.conversationId(i)),
        created: result.created.map((i) => dataset.conversationId(i)),
      };
    },
    mutateLists: (m) => applyListMutation(lists, audit, m, msToUs(o.now())),
    setFaults: (f) => faults.set(f),
    setRateLimits: (r) => {
      rateLimitsOn = r !== false;
      if (r !== false) groupLimits.export = validateRateLimits(r ?? ADA_RATE_LIMITS);
      limiter = newLimiter();
    },
    setGroupRateLimits: (g) => {
      const resolved = resolveGroupLimits(undefined, g);
      for (const group of RATE_LIMIT_GROUPS) {
        if (group in g) groupLimits[group] = g[group] === undefined ? ADA_GROUP_RATE_LIMITS[group] : resolved[group];
      }
      limiter = newLimiter();
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

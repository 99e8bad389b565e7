import type { FaultOptions } from './faults.js';
import { DEFAULT_LIST_SIZES } from './lists/catalog.js';
import { type GroupRateLimitOptions, type GroupRateLimits, type OtherClient, type RateLimits, resolveGroupLimits } from './rate-limit.js';
import { isStream, type RateLimitGroup, ROUTES, STREAMS, type Stream } from './streams.js';

/** A top-level field served with a value its stream's schema does not allow. */
export interface SchemaViolation {
  stream: Stream;
  field: string;
  /** Any JSON value. */
  value: unknown;
}

export interface MockAdaOptions {
  /** Bearer token the mock accepts; default 'test-api-key'. */
  apiKey?: string;
  /**
   * Tokens Ada knows that may not use the Data Export API (an organisation without the add-on, say):
   * answered with 403 on the export endpoints, and accepted like the apiKey everywhere else. Default none.
   */
  forbiddenApiKeys?: readonly string[];
  /** Streams whose endpoint answers 403, as Ada does for a beta feature the account lacks. Default none. */
  forbiddenStreams?: readonly Stream[];
  /** false: the audit-log endpoint answers 404, as for an account without the Audit log API. Default true. */
  auditLog?: boolean;
  /** Knowledge articles, spread over the knowledge sources and tags. Default 60 (Ada allows up to 50,000). */
  articles?: number;
  /** Default 4. */
  knowledgeSources?: number;
  /** Default 8. */
  knowledgeTags?: number;
  /** Default 6. */
  playbooks?: number;
  /** Audit-log events spread over the history. Default 400. */
  auditEvents?: number;
  /** AI Agent handle; shows up in generated URLs. The mock itself always serves 127.0.0.1. Default 'acme'. */
  handle?: string;
  /** Same seed + same options + same clock => byte-identical data. Default 1. */
  seed?: number;
  /** Default 500. */
  conversations?: number;
  /** Average per conversation (each varies deterministically, 1..2·avg−1). Default 6. */
  messagesPerConversation?: number;
  /** Data spreads over this many days before `now()` at start; older than a year is generated but not queryable. Default 90. */
  historyDays?: number;
  /** The server's clock in ms (data anchor, 12-month rule, mutate, Date header). Default Date.now. */
  now?: () => number;
  /**
   * The newest data lies before this instant (ms). Default: `now()` at start. Earlier lets a client
   * that reads up to the server's clock, which a Date header tells only to the second, see all of it.
   */
  dataUntil?: number;
  /**
   * Clock for the rate-limit windows and X-RateLimit-Reset, in ms. Default Date.now (wall time),
   * deliberately separate from `now`, so that a frozen data clock still lets Retry-After waits
   * free slots. Inject one to test limits without waiting.
   */
  rateLimitClock?: () => number;
  /** Delay before each response. Default 0. */
  latencyMs?: number;
  /**
   * The export group's limits. Default Ada's: 10/s per endpoint, 100/min and 15,000/day shared by
   * the export endpoints. false disables all limiting, every group's.
   */
  rateLimits?: RateLimits | false;
  /**
   * Any group's limits (`perDay: null` for no daily cap), or false to leave one group unlimited;
   * groups left out keep Ada's (ADA_GROUP_RATE_LIMITS). The export group may be set here or in
   * `rateLimits`, not both.
   */
  groupRateLimits?: GroupRateLimitOptions;
  /** Another client of the same Ada instance spending a group's budget at a steady rate. Default none. */
  otherClient?: OtherClient;
  /** Which window X-RateLimit-* describe: the group's per-minute (default) or its per-second one. */
  rateLimitHeaders?: 'minute' | 'second';
  /** Injected failures, deterministic from seed and request count. Default none. */
  faults?: FaultOptions;
  /** Clusters of records sharing one exact timestamp, per timestamp kind (conversation date_updated, conversation date_created, message date_created). Default 2. */
  tieGroups?: number;
  /** Let ~2% of records carry a field Ada does not document (Ada adds fields without notice). Default true. */
  undocumentedFields?: boolean;
  /**
   * Every record of `stream` is served with top-level `field` set to `value`, so that a client's
   * schema checks can be seen to fail. Default none.
   */
  schemaViolations?: readonly SchemaViolation[];
  /** Default 0 (ephemeral); the host is always 127.0.0.1. */
  port?: number;
}

export interface ResolvedOptions {
  apiKey: string;
  forbiddenApiKeys: readonly string[];
  forbiddenStreams: readonly Stream[];
  auditLog: boolean;
  articles: number;
  knowledgeSources: number;
  knowledgeTags: number;
  playbooks: number;
  auditEvents: number;
  handle: string;
  seed: number;
  conversations: number;
  messagesPerConversation: number;
  historyDays: number;
  now: () => number;
  dataUntil: number | undefined;
  rateLimitClock: () => number;
  latencyMs: number;
  /** false: nothing is limited (`rateLimits: false`), whatever the groups say. */
  rateLimitsOn: boolean;
  /** Each group's limits, false for an unlimited group. */
  groupRateLimits: Record<RateLimitGroup, GroupRateLimits | false>;
  otherClient: OtherClient | undefined;
  rateLimitHeaders: 'minute' | 'second';
  faults: FaultOptions;
  tieGroups: number;
  undocumentedFields: boolean;
  schemaViolations: readonly SchemaViolation[];
  port: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

export function resolveOptions(opts: MockAdaOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    apiKey: opts.apiKey ?? 'test-api-key',
    forbiddenApiKeys: opts.forbiddenApiKeys ?? [],
    forbiddenStreams: opts.forbiddenStreams ?? [],
    auditLog: opts.auditLog ?? true,
    articles: opts.articles ?? DEFAULT_LIST_SIZES.articles,
    knowledgeSources: opts.knowledgeSources ?? DEFAULT_LIST_SIZES.knowledgeSources,
    knowledgeTags: opts.knowledgeTags ?? DEFAULT_LIST_SIZES.knowledgeTags,
    playbooks: opts.playbooks ?? DEFAULT_LIST_SIZES.playbooks,
    auditEvents: opts.auditEvents ?? 400,
    handle: opts.handle ?? 'acme',
    seed: opts.seed ?? 1,
    conversations: opts.conversations ?? 500,
    messagesPerConversation: opts.messagesPerConversation ?? 6,
    historyDays: opts.historyDays ?? 90,
    now: opts.now ?? Date.now,
    dataUntil: opts.dataUntil,
    rateLimitClock: opts.rateLimitClock ?? Date.now,
    latencyMs: opts.latencyMs ?? 0,
    rateLimitsOn: opts.rateLimits !== false,
    otherClient: opts.otherClient,
    rateLimitHeaders: opts.rateLimitHeaders ?? 'minute',
    groupRateLimits: resolveGroupLimits(opts.rateLimits === false ? undefined : opts.rateLimits, opts.groupRateLimits),
    faults: opts.faults ?? {},
    tieGroups: opts.tieGroups ?? 2,
    undocumentedFields: opts.undocumentedFields ?? true,
    schemaViolations: opts.schemaViolations ?? [],
    port: opts.port ?? 0,
  };
  const other = resolved.otherClient;
  check(
    other === undefined || (isStream(other.stream) && ROUTES[other.stream].group === other.group && ((other.perSecond ?? 0) > 0) !== ((other.perMinute ?? 0) > 0)),
    'otherClient needs a stream of its group and one positive rate: perSecond or perMinute',
  );
  check(resolved.rateLimitHeaders === 'minute' || resolved.rateLimitHeaders === 'second', 'rateLimitHeaders must be minute or second');
  check(resolved.dataUntil === undefined || Number.isFinite(resolved.dataUntil), 'dataUntil must be a finite number of ms');
  check(resolved.apiKey.length > 0 && !/\s/.test(resolved.apiKey), 'apiKey must be a non-empty string without whitespace');
  check(
    resolved.forbiddenApiKeys.every((key) => key.length > 0 && !/\s/.test(key) && key !== resolved.apiKey),
    'forbiddenApiKeys must be non-empty strings without whitespace, none of them the apiKey',
  );
  check(resolved.forbiddenStreams.every(isStream), `forbiddenStreams must name streams: ${STREAMS.join(', ')}`);
  for (const v of resolved.schemaViolations) {
    check(isStream(v.stream), `schemaViolations must name streams: ${STREAMS.join(', ')}`);
    check(typeof v.field === 'string' && v.field.length > 0, 'schemaViolations need a non-empty field name');
    // JSON.stringify drops undefined, functions and symbols: such a value could not be served.
    check(JSON.stringify(v.value) !== undefined, `schemaViolations: the value for ${v.stream}.${v.field} must be a JSON value`);
  }
  for (const name of ['knowledgeSources', 'knowledgeTags', 'playbooks', 'auditEvents'] as const) {
    check(Number.isInteger(resolved[name]) && resolved[name] >= 0, `${name} must be a non-negative integer`);
  }
  check(Number.isInteger(resolved.articles) && resolved.articles >= 0 && resolved.articles <= 50_000, 'articles must be an integer from 0 to 50,000 (Ada\'s cap)');
  check(/^[a-z0-9-]+$/i.test(resolved.handle), 'handle must be letters, digits and dashes');
  check(Number.isFinite(resolved.seed), 'seed must be a finite number');
  check(Number.isInteger(resolved.conversations) && resolved.conversations >= 0, 'conversations must be a non-negative integer');
  check(Number.isFinite(resolved.messagesPerConversation) && resolved.messagesPerConversation >= 0, 'messagesPerConversation must be >= 0');
  check(Number.isFinite(resolved.historyDays) && resolved.historyDays > 0, 'historyDays must be > 0');
  check(Number.isFinite(resolved.latencyMs) && resolved.latencyMs >= 0, 'latencyMs must be >= 0');
  check(Number.isInteger(resolved.tieGroups) && resolved.tieGroups >= 0, 'tieGroups must be a non-negative integer');
  check(Number.isInteger(resolved.port) && resolved.port >= 0 && resolved.port <= 65535, 'port must be an integer from 0 to 65535');
  return resolved;
}

import type { FaultOptions } from './faults.js';
import type { MockAdaOptions, SchemaViolation } from './options.js';
import { ADA_RATE_LIMITS, type GroupRateLimits, type OtherClient, type RateLimits } from './rate-limit.js';
import { startMockAda } from './server.js';
import { isStream, RATE_LIMIT_GROUPS, type RateLimitGroup, ROUTES, STREAMS } from './streams.js';

export const USAGE = `Usage: mock-ada [options]

Serves a mock of Ada's Data Export API v2 and of its other read APIs (knowledge, end users,
audit log, webhooks, channels, …) on http://127.0.0.1:PORT until SIGINT/SIGTERM.

Options:
  --port N                        port on 127.0.0.1 (default 0: pick a free one)
  --seed S                        data seed (default 1)
  --conversations N               number of conversations (default 500)
  --messages-per-conversation N   average messages per conversation (default 6)
  --history-days N                spread data over the last N days (default 90)
  --tie-groups N                  same-timestamp clusters per timestamp kind (default 2)
  --articles N                    knowledge articles (default 60)
  --knowledge-sources N           knowledge sources (default 4)
  --knowledge-tags N              knowledge tags (default 8)
  --playbooks N                   playbooks (default 6)
  --audit-events N                audit-log events over the history (default 400)
  --no-audit-log                  answer 404 on the audit log, as for an account without it
  --forbidden-stream NAME         answer 403 on this stream's endpoint, as for a beta feature the account lacks (repeatable)
  --now TIMESTAMP                 freeze the server clock at this ISO 8601 instant (default: real time)
  --latency-ms N                  delay before each response (default 0)
  --api-key K                     accepted bearer token (default test-api-key)
  --forbidden-api-key K           a token answered with 403 on the export endpoints, as for an organisation without Data Export (repeatable)
  --handle H                      AI Agent handle used in generated URLs (default acme)
  --no-undocumented-fields        never add fields that Ada does not document
  --schema-violation S.FIELD=JSON serve every record of stream S with top-level FIELD set to the JSON value,
                                  e.g. conversations.is_engaged='"yes"' (repeatable)
  --no-rate-limits                disable rate limiting (every group)
  --rate-limit-per-second N       export group, per endpoint (default ${ADA_RATE_LIMITS.perSecond})
  --rate-limit-per-minute N       export group, shared (default ${ADA_RATE_LIMITS.perMinute})
  --rate-limit-per-day N          export group, shared (default ${ADA_RATE_LIMITS.perDay})
  --group-rate-limit G=S,M,D      another group's limits per second, minute, day (D may be "none"), or G=off;
                                  G is one of ${RATE_LIMIT_GROUPS.filter((g) => g !== 'export').join(', ')} (repeatable)
  --other-client STREAM=N/min     another client of the same Ada instance spends STREAM's group budget at
                                  N a minute (or N/s), as a customer's other integrations do
  --rate-limit-headers W          the window X-RateLimit-* describe: minute (default) or second
  --fault-5xx RATE                share of 500/502/503/504 responses (0..1)
  --fault-429 RATE                share of injected 429 responses
  --fault-reset RATE              share of connections reset mid-body
  --fault-slow RATE               share of bodies sent slowly in chunks
  --fault-truncate RATE           share of bodies cut short (valid HTTP, broken JSON)
  --fault-retry-after S           Retry-After of injected 429s (default 1)
  -h, --help                      show this help
`;

type NumberFlag = (options: MockAdaOptions, limits: RateLimits, faults: FaultOptions, value: number) => void;

const NUMBER_FLAGS: Record<string, NumberFlag> = {
  '--port': (o, _l, _f, v) => (o.port = v),
  '--seed': (o, _l, _f, v) => (o.seed = v),
  '--conversations': (o, _l, _f, v) => (o.conversations = v),
  '--messages-per-conversation': (o, _l, _f, v) => (o.messagesPerConversation = v),
  '--history-days': (o, _l, _f, v) => (o.historyDays = v),
  '--tie-groups': (o, _l, _f, v) => (o.tieGroups = v),
  '--articles': (o, _l, _f, v) => (o.articles = v),
  '--knowledge-sources': (o, _l, _f, v) => (o.knowledgeSources = v),
  '--knowledge-tags': (o, _l, _f, v) => (o.knowledgeTags = v),
  '--playbooks': (o, _l, _f, v) => (o.playbooks = v),
  '--audit-events': (o, _l, _f, v) => (o.auditEvents = v),
  '--latency-ms': (o, _l, _f, v) => (o.latencyMs = v),
  '--rate-limit-per-second': (_o, l, _f, v) => (l.perSecond = v),
  '--rate-limit-per-minute': (_o, l, _f, v) => (l.perMinute = v),
  '--rate-limit-per-day': (_o, l, _f, v) => (l.perDay = v),
  '--fault-5xx': (_o, _l, f, v) => (f.serverErrorRate = v),
  '--fault-429': (_o, _l, f, v) => (f.rateLimitRate = v),
  '--fault-reset': (_o, _l, f, v) => (f.resetRate = v),
  '--fault-slow': (_o, _l, f, v) => (f.slowBodyRate = v),
  '--fault-truncate': (_o, _l, f, v) => (f.truncatedBodyRate = v),
  '--fault-retry-after': (_o, _l, f, v) => (f.retryAfterSeconds = v),
};

export class UsageError extends Error {}

/** `--group-rate-limit auditLog=10,120,40000`, `endUsers=30,300,none` or `default=off`. */
function parseGroupLimit(raw: string): [RateLimitGroup, GroupRateLimits | false] {
  const [group = '', spec = ''] = raw.split('=', 2);
  const groups = RATE_LIMIT_GROUPS.filter((g) => g !== 'export');
  if (group === 'export') throw new UsageError('--group-rate-limit: set the export group with --rate-limit-per-second/-minute/-day');
  if (!(groups as string[]).includes(group)) throw new UsageError(`--group-rate-limit: unknown group ${JSON.stringify(group)}; expected one of ${groups.join(', ')}`);
  if (spec === 'off') return [group as RateLimitGroup, false];
  const parts = spec.split(',');
  const numbers = parts.map((p, i) => (i === 2 && p === 'none' ? null : /^\d+$/.test(p) ? Number(p) : Number.NaN));
  const [perSecond, perMinute, perDay] = numbers;
  if (parts.length !== 3 || perSecond == null || perMinute == null || perDay === undefined || numbers.some((n) => Number.isNaN(n))) {
    throw new UsageError(`--group-rate-limit expects GROUP=PER_SECOND,PER_MINUTE,PER_DAY (PER_DAY may be none) or GROUP=off, got ${JSON.stringify(raw)}`);
  }
  return [group as RateLimitGroup, { perSecond, perMinute, perDay }];
}

/** `conversations.is_engaged="yes"`: the stream, then the field up to the first `=`, then a JSON value. */
function parseSchemaViolation(raw: string): SchemaViolation {
  const eq = raw.indexOf('=');
  const dot = raw.indexOf('.');
  const stream = dot > 0 ? raw.slice(0, dot) : '';
  const field = dot > 0 && eq > dot ? raw.slice(dot + 1, eq) : '';
  if (!isStream(stream) || field === '') {
    throw new UsageError(`--schema-violation expects STREAM.FIELD=JSON with STREAM one of ${STREAMS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  try {
    return { stream, field, value: JSON.parse(raw.slice(eq + 1)) as unknown };
  } catch {
    throw new UsageError(`--schema-violation: the value of ${stream}.${field} must be JSON (a string keeps its quotes: ${stream}.${field}='"text"')`);
  }
}

/** `messages=50/min` or `audit_log_events=2/s`: another client spends that stream's group budget at that rate. */
function parseOtherClient(raw: string): OtherClient {
  const m = /^([a-z_]+)=(\d+(?:\.\d+)?)\/(s|min)$/.exec(raw);
  const stream = m?.[1] ?? '';
  if (!m || !isStream(stream)) throw new UsageError(`--other-client expects STREAM=N/s or STREAM=N/min, STREAM one of ${STREAMS.join(', ')}; got ${JSON.stringify(raw)}`);
  const rate = Number(m[2]);
  return { group: ROUTES[stream].group, stream, ...(m[3] === 's' ? { perSecond: rate } : { perMinute: rate }) };
}

/** Turns argv into options; throws UsageError on anything it does not understand. Returns null for --help. */
export function parseArgs(argv: readonly string[]): MockAdaOptions | null {
  const options: MockAdaOptions = {};
  const limits: RateLimits = { ...ADA_RATE_LIMITS };
  const faults: FaultOptions = {};
  let rateLimitsOff = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '-h' || flag === '--help') return null;
    if (flag === '--no-rate-limits') rateLimitsOff = true;
    else if (flag === '--no-undocumented-fields') options.undocumentedFields = false;
    else if (flag === '--no-audit-log') options.auditLog = false;
    else if (flag === '--forbidden-stream') {
      const name = value();
      if (!isStream(name)) throw new UsageError(`--forbidden-stream expects one of ${STREAMS.join(', ')}, got ${JSON.stringify(name)}`);
      options.forbiddenStreams = [...(options.forbiddenStreams ?? []), name];
    } else if (flag === '--schema-violation') {
      options.schemaViolations = [...(options.schemaViolations ?? []), parseSchemaViolation(value())];
    } else if (flag === '--other-client') {
      options.otherClient = parseOtherClient(value());
    } else if (flag === '--rate-limit-headers') {
      const window = value();
      if (window !== 'minute' && window !== 'second') throw new UsageError(`--rate-limit-headers expects minute or second, got ${JSON.stringify(window)}`);
      options.rateLimitHeaders = window;
    } else if (flag === '--group-rate-limit') {
      const [group, limits] = parseGroupLimit(value());
      options.groupRateLimits = { ...options.groupRateLimits, [group]: limits };
    }
    else if (flag === '--api-key') options.apiKey = value();
    else if (flag === '--forbidden-api-key') options.forbiddenApiKeys = [...(options.forbiddenApiKeys ?? []), value()];
    else if (flag === '--handle') options.handle = value();
    else if (flag === '--now') {
      const raw = value();
      const ms = Date.parse(raw);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(ms)) throw new UsageError(`--now expects an ISO 8601 timestamp, got ${JSON.stringify(raw)}`);
      options.now = () => ms;
    } else {
      const apply = NUMBER_FLAGS[flag];
      if (apply === undefined) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
      const raw = value();
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got ${JSON.stringify(raw)}`);
      apply(options, limits, faults, n);
    }
  }
  options.rateLimits = rateLimitsOff ? false : limits;
  options.faults = faults;
  return options;
}

/** Runs until SIGINT/SIGTERM; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: MockAdaOptions | null;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`mock-ada: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  let mock;
  try {
    mock = await startMockAda(options);
  } catch (error) {
    process.stderr.write(`mock-ada: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`mock-ada listening on ${mock.url} (api key: ${mock.apiKey})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await mock.close();
  return 0;
}

import { z } from 'zod';
import { ConfigError, normalizeTimestamp, quoteInput, registerSecret, type MessageWriter } from '@ada-airbyte/core';

/**
 * What Airbyte's date-time picker sends (`YYYY-MM-DDTHH:mm:ssZ`), optionally with fractional
 * seconds; a value without a zone is read as UTC. Offsets are refused rather than guessed at.
 */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;
const HANDLE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
export const DEFAULT_LOOKBACK_MINUTES = 10;

const timestamp = (title: string, description: string, order: number) =>
  z
    .string()
    .regex(UTC_TIMESTAMP)
    // normalizeTimestamp refuses dates Date.parse would roll over (Feb 30, 24:00).
    .refine((v) => normalizeTimestamp(v) !== undefined)
    // Always `…Z` from here on: Date.parse would read a zone-less value as local time.
    .transform((v) => normalizeTimestamp(v)!)
    .optional()
    .meta({ title, description, examples: ['2026-01-01T00:00:00Z'], order, format: 'date-time', pattern_descriptor: 'YYYY-MM-DDTHH:mm:ssZ' });

/** The one source of truth for the config: validation here, connectionSpecification generated from it. */
export const configSchema = z
  .object({
    api_key: z
      .string()
      .min(1)
      .meta({ title: 'API key', description: "Ada Platform API key (Platform > APIs in Ada's dashboard). Sent as a Bearer token.", airbyte_secret: true, order: 0 }),
    handle: z
      .string()
      .regex(HANDLE)
      .meta({ title: 'AI Agent handle', description: 'The subdomain of your Ada dashboard: HANDLE in https://HANDLE.ada.support.', examples: ['acme'], order: 1 }),
    region: z
      .enum(['us', 'eu', 'maple'])
      .default('us')
      .meta({ title: 'Region', description: 'us: HANDLE.ada.support, eu: HANDLE.eu.ada.support, maple: HANDLE.maple.ada.support.', order: 2 }),
    base_url: z
      .string()
      .optional()
      .meta({
        title: 'Base URL override',
        description: 'Scheme and host only (e.g. http://127.0.0.1:4010), for proxies and mocks; the connector appends /api/v2/…. Plain http only to loopback hosts.',
        order: 3,
      }),
    start_date: timestamp('Start date', 'UTC, as YYYY-MM-DDTHH:mm:ssZ (without Z it is read as UTC). Default: 12 months ago, the oldest data Ada keeps (older dates are clamped, with a warning).', 4),
    end_date: timestamp('End date', 'UTC, as YYYY-MM-DDTHH:mm:ssZ (without Z it is read as UTC), exclusive. Optional upper bound for backfills; default: the moment each read starts.', 5),
    lookback_window_minutes: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_LOOKBACK_MINUTES)
      .meta({ title: 'Lookback window (minutes)', description: 'Each incremental read re-reads this many minutes before its saved cursor, to catch records that arrive late.', order: 6 }),
    page_size: z.number().int().min(100).max(10000).default(10000).meta({ title: 'Page size', description: 'Records per request (100 to 10000).', order: 7 }),
    requests_per_second: z.number().positive().default(10).meta({ title: 'Requests per second', description: 'Data Export API (conversations, messages): per endpoint, in any rolling second. Ada\'s other APIs are paced to their own published limits.', order: 8 }),
    requests_per_minute: z.number().positive().default(100).meta({ title: 'Requests per minute', description: 'Data Export API: for both endpoints together, in any rolling 60 seconds.', order: 9 }),
    requests_per_day: z.number().positive().default(15000).meta({ title: 'Requests per day', description: 'Data Export API: for both endpoints together, in any rolling 24 hours.', order: 10 }),
    window_concurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(8)
      .meta({
        title: 'Most windows at once',
        description:
          'The most time windows (or parts of one) of a stream read at the same time. Within it, the connector keeps as many requests in flight as Ada\'s rate limit and its answer times call for.',
        order: 12,
      }),
    max_retries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(8)
      .meta({ title: 'Max retries', description: 'Retries of a failing request (429, 5xx, timeouts, resets) before the read stops with a transient error.', order: 11 }),
  })
  .loose();

export type AdaConfig = z.output<typeof configSchema>;

/** The rule each field must follow, for error sentences that name field and rule. */
const RULES: Record<string, string> = {
  api_key: 'a non-empty string',
  handle: 'your AI Agent handle, e.g. "acme" for https://acme.ada.support (letters, digits and dashes)',
  region: 'one of us, eu, maple',
  base_url: 'a URL with scheme and host only, e.g. https://proxy.example.com or http://127.0.0.1:4010',
  start_date: 'an RFC 3339 UTC timestamp such as 2026-01-01T00:00:00Z (YYYY-MM-DDTHH:mm:ssZ; without a zone it is read as UTC)',
  end_date: 'an RFC 3339 UTC timestamp such as 2026-01-01T00:00:00Z (YYYY-MM-DDTHH:mm:ssZ; without a zone it is read as UTC)',
  lookback_window_minutes: 'an integer ≥ 0',
  page_size: 'an integer from 100 to 10000',
  requests_per_second: 'a number > 0',
  requests_per_minute: 'a number > 0',
  requests_per_day: 'a number > 0',
  max_retries: 'an integer from 0 to 20',
  window_concurrency: 'an integer from 1 to 32',
};

export function connectionSpecification(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'Ada Data Export source', additionalProperties: true };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function parseConfig(raw: unknown, source: string, out?: MessageWriter): AdaConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`The config file ${source} must hold a JSON object with at least api_key and handle.`);
  }
  // Register before validating: a bad config must not leak its key in the error either.
  registerSecret((raw as Record<string, unknown>).api_key);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      throw new ConfigError(`The config field "${field}" is required: ${RULES[field] ?? 'see the spec'}.`);
    }
    throw new ConfigError(`The config field "${field}" is invalid: it must be ${RULES[field] ?? issue.message}.`);
  }
  const config = result.data;
  if (out) warnUnknownFields(raw as Record<string, unknown>, out);
  if (config.base_url !== undefined) checkBaseUrl(config.base_url);
  if (config.start_date && config.end_date && Date.parse(config.end_date) <= Date.parse(config.start_date)) {
    throw new ConfigError('The config field "end_date" must be later than "start_date".');
  }
  return config;
}

/**
 * Fields the spec does not have are kept (the platform may add its own) but said out loud: a
 * mistyped "pagesize" would otherwise leave page_size at its default without a word.
 */
function warnUnknownFields(raw: Record<string, unknown>, out: MessageWriter): void {
  const known = Object.keys(configSchema.shape);
  for (const field of Object.keys(raw)) {
    if (known.includes(field)) continue;
    const near = closest(field, known);
    out.warn(`The config field ${quoteInput(field)} is not one source-ada knows and is ignored${near ? ` (did you mean "${near}"?)` : ''}.`);
  }
}

/** The known name a typo most likely meant: the same letters but for case and separators, or at most 2 edits away. */
function closest(field: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const exact = known.find((k) => plain(k) === plain(field));
  if (exact) return exact;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(plain(field), plain(name));
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

function checkBaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`The config field "base_url" is invalid: it must be ${RULES.base_url}.`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`The config field "base_url" must be scheme and host only (no path, query or credentials), e.g. ${url.protocol}//${url.host}.`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigError(`The config field "base_url" may use plain http only for loopback hosts (localhost, 127.0.0.1, [::1]); use https://${url.host}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`The config field "base_url" must start with https:// (or http:// for a loopback host).`);
  }
}

/** https://HANDLE[.region].ada.support, or base_url when set. */
export function apiOrigin(config: AdaConfig): string {
  if (config.base_url) return new URL(config.base_url).origin;
  const region = config.region === 'us' ? '' : `.${config.region}`;
  return `https://${config.handle.toLowerCase()}${region}.ada.support`;
}

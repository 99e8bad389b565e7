import {
  ConfigError,
  HttpClient,
  ServerClock,
  StreamUnavailableError,
  SystemError,
  TransientError,
  type ConnectorError,
  type MessageWriter,
  type Pacer,
} from '@ada-airbyte/core';
import { apiOrigin, type AdaConfig } from './config.js';
import { groupPacers, type ApiGroup } from './rate-limits.js';

/**
 * Ada's envelopes: `{data, meta: {next_page_uri}}` on the export, `{data, meta: {next_page_url}}` on
 * the other lists (some leave `meta` out). Older export docs called `data` `items`, and v1.4 put the
 * link at the top level.
 */
interface Envelope {
  data?: unknown;
  items?: unknown;
  meta?: { next_page_url?: unknown; next_page_uri?: unknown } | null;
  next_page_uri?: unknown;
}

export interface AdaPage {
  /** As Ada sent them: normalizeRecords checks that each is an object. */
  records: unknown[];
  /** The next page's link pointed at the configured origin; undefined when null, empty or missing. */
  next: string | undefined;
  url: string;
}

/** Which budget a request spends, and the key it is counted under (its stream). */
export interface AdaPace {
  group: ApiGroup;
  key: string;
}

/** Ada refused a request as malformed (HTTP 400): for a saved link, a position Ada no longer knows. */
export class AdaRequestRefused extends ConfigError {}

const EXPORT_PATH = '/api/v2/export/';
const AUDIT_LOG_PATH = '/api/v2/analytics/audit-log/';

/**
 * Ada's APIs over core's HttpClient: URLs, envelopes, one pacer per API group, and Ada's error
 * bodies turned into sentences that say what to fix.
 */
export class AdaClient {
  readonly origin: string;
  readonly pacers: Record<ApiGroup, Pacer>;
  /** Ada's clock, from the Date header of every response. */
  readonly clock = new ServerClock();
  private readonly http: HttpClient;
  private probing: Promise<number> | undefined;

  constructor(
    private readonly config: AdaConfig,
    out: MessageWriter,
    opts: { maxRetries?: number } = {},
  ) {
    this.origin = apiOrigin(config);
    this.pacers = groupPacers(config);
    this.http = new HttpClient({
      headers: {
        authorization: `Bearer ${config.api_key}`,
        accept: 'application/json',
        'user-agent': 'source-ada (Airbyte protocol; +https://github.com/ada-airbyte)',
      },
      log: { debug: (m) => out.debug(m), warn: (m) => out.warn(m) },
      maxRetries: opts.maxRetries ?? config.max_retries,
      describeHttpError: (status, body, url) => this.describeHttpError(status, body, url),
      describeUnreachable: (host, code) => this.describeUnreachable(host, code),
      clock: this.clock,
    });
  }

  /**
   * Ada's time now. Before any response has shown it, one small request asks: the knowledge tags
   * list, a single reply from the default budget. Any answer carries Ada's Date, a refusal too (an
   * account without the knowledge API); a failure to connect is the read's failure anyway.
   */
  async adaNow(): Promise<number> {
    const known = this.clock.now();
    if (known !== undefined) return known;
    this.probing ??= this.fetchPage(this.url('/api/v2/knowledge/tags/'), { group: 'default', key: 'clock' })
      .catch((error: unknown) => {
        if (this.clock.now() === undefined) throw error;
      })
      .then(() => this.clock.now()!);
    await this.probing;
    return this.clock.now()!;
  }

  /** `path` on the configured origin with `params` in order. */
  url(path: string, params: Record<string, string> = {}): string {
    const url = new URL(path, this.origin);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }

  /**
   * A next link as Ada gave it (absolute or relative), pointed at the configured origin: the path
   * and query are Ada's, verbatim, but the bearer token only ever goes to the host the user configured.
   */
  resolveLink(link: string): string {
    const parsed = new URL(link, this.origin);
    return new URL(parsed.pathname + parsed.search, this.origin).toString();
  }

  async fetchPage(url: string, pace: AdaPace): Promise<AdaPage> {
    const response = await this.http.getJson<Envelope>(url, { pacer: this.pacers[pace.group], key: pace.key });
    const body = response.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new SystemError(`Ada answered ${pace.key} with a ${Array.isArray(body) ? 'list' : typeof body} instead of an object with "data".`);
    }
    const list = body.data ?? body.items ?? [];
    if (!Array.isArray(list)) throw new SystemError(`Ada's ${pace.key} response has a "data" that is not a list.`);
    const link = body.meta?.next_page_url ?? body.meta?.next_page_uri ?? body.next_page_uri;
    const next = typeof link === 'string' && link.trim() !== '' ? this.resolveLink(link) : undefined;
    return { records: list, next, url };
  }

  private describeHttpError(status: number, body: string, url: URL): ConnectorError {
    const detail = adaErrorMessage(body);
    const said = detail ? `: ${detail}` : '';
    const exportApi = url.pathname.startsWith(EXPORT_PATH);
    switch (status) {
      case 401:
        return new ConfigError(`Ada rejected the API key (HTTP 401${said}); check api_key: it must be an active Ada Platform API key.`);
      case 403:
        return exportApi
          ? new ConfigError(`Ada refused access to the Data Export API (HTTP 403${said}); check that the API key's organisation has the Data Export add-on.`)
          : new StreamUnavailableError(`Ada refused access to ${url.pathname} (HTTP 403${said}): this Ada account does not have that feature.`);
      case 404:
        if (url.pathname.startsWith(AUDIT_LOG_PATH)) {
          return new StreamUnavailableError(`Ada's audit log API is not enabled for this account (HTTP 404${said}).`);
        }
        return new ConfigError(
          `Ada has no ${url.pathname} for this AI Agent (HTTP 404${said}); check handle "${this.config.handle}" and region "${this.config.region}"${this.config.base_url ? ` and base_url ${this.config.base_url}` : ''}.`,
        );
      case 400:
        return new AdaRequestRefused(
          `Ada rejected the request ${url.pathname}${url.search} (HTTP 400${said})` + (exportApi ? '; check start_date, end_date and page_size.' : '.'),
        );
      default:
        return new ConfigError(`Ada answered HTTP ${status} for ${url.pathname}${said}.`);
    }
  }

  private describeUnreachable(host: string, code: string): ConnectorError {
    const fix = this.config.base_url
      ? `check base_url ${this.config.base_url}`
      : `check handle "${this.config.handle}" and region "${this.config.region}"`;
    if (code === 'ENOTFOUND') return new ConfigError(`Cannot resolve host ${host}; ${fix}.`);
    return new TransientError(`Cannot connect to ${host} (${code}); ${fix}, or try again if Ada is down.`);
  }
}

/** Ada's `errors[].message` (v2), or a plain `message` (the authentication page's example). */
function adaErrorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: unknown }[]; message?: unknown };
    const messages = (parsed.errors ?? []).map((e) => e.message).filter((m): m is string => typeof m === 'string');
    if (messages.length) return messages.join('; ');
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON (an HTML error page, say): nothing useful to quote.
  }
  return undefined;
}

import { ConfigError, HttpClient, Pacer, SystemError, TransientError, type ConnectorError, type MessageWriter } from '@ada-airbyte/core';
import { apiOrigin, type AdaConfig } from './config.js';

export type ExportEndpoint = 'conversations' | 'messages';

/** Ada's export envelope; older docs called `data` `items`, and v1.4 put the link at the top level. */
interface ExportEnvelope {
  data?: unknown;
  items?: unknown;
  meta?: { next_page_uri?: unknown } | null;
  next_page_uri?: unknown;
}

export interface ExportPage {
  records: Record<string, unknown>[];
  next: string | undefined;
  url: string;
}

/**
 * Ada's Data Export API over core's HttpClient: URLs, the envelope, and Ada's error bodies turned
 * into sentences that say what to fix.
 */
export class AdaClient {
  readonly origin: string;
  readonly pacer: Pacer;
  private readonly http: HttpClient;

  constructor(
    private readonly config: AdaConfig,
    out: MessageWriter,
    opts: { maxRetries?: number } = {},
  ) {
    this.origin = apiOrigin(config);
    this.pacer = new Pacer({
      perSecond: config.requests_per_second,
      perMinute: config.requests_per_minute,
      perDay: config.requests_per_day,
    });
    this.http = new HttpClient({
      pacer: this.pacer,
      headers: {
        authorization: `Bearer ${config.api_key}`,
        accept: 'application/json',
        'user-agent': 'source-ada (Airbyte protocol; +https://github.com/ada-airbyte)',
      },
      log: { debug: (m) => out.debug(m), warn: (m) => out.warn(m) },
      maxRetries: opts.maxRetries ?? config.max_retries,
      describeHttpError: (status, body, url) => this.describeHttpError(status, body, url),
      describeUnreachable: (host, code) => this.describeUnreachable(host, code),
    });
  }

  firstPageUrl(endpoint: ExportEndpoint, param: 'updated' | 'created', since: string, to: string, pageSize: number): string {
    const url = new URL(`/api/v2/export/${endpoint}`, this.origin);
    url.searchParams.set(`${param}_since`, since);
    url.searchParams.set(`${param}_to`, to);
    url.searchParams.set('page_size', String(pageSize));
    return url.toString();
  }

  /**
   * A next link as Ada gave it (absolute or relative), pointed at the configured origin: the path
   * and query are Ada's, but the bearer token only ever goes to the host the user configured.
   */
  resolveLink(link: string): string {
    const parsed = new URL(link, this.origin);
    return new URL(parsed.pathname + parsed.search, this.origin).toString();
  }

  async fetchPage(endpoint: ExportEndpoint, url: string): Promise<ExportPage> {
    const response = await this.http.getJson<ExportEnvelope>(url, endpoint);
    const body = response.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new SystemError(`Ada answered ${endpoint} with a ${Array.isArray(body) ? 'list' : typeof body} instead of an object with "data".`);
    }
    const list = body.data ?? body.items ?? [];
    if (!Array.isArray(list)) throw new SystemError(`Ada's ${endpoint} response has a "data" that is not a list.`);
    const link = body.meta?.next_page_uri ?? body.next_page_uri;
    const next = typeof link === 'string' && link.trim() !== '' ? this.resolveLink(link) : undefined;
    return { records: list as Record<string, unknown>[], next, url };
  }

  private describeHttpError(status: number, body: string, url: URL): ConnectorError {
    const detail = adaErrorMessage(body);
    const said = detail ? `: ${detail}` : '';
    switch (status) {
      case 401:
        return new ConfigError(`Ada rejected the API key (HTTP 401${said}); check api_key: it must be an active Ada Platform API key.`);
      case 403:
        return new ConfigError(
          `Ada refused access to the Data Export API (HTTP 403${said}); check that the API key's organisation has the Data Export add-on.`,
        );
      case 404:
        return new ConfigError(
          `Ada has no ${url.pathname} for this AI Agent (HTTP 404${said}); check handle "${this.config.handle}" and region "${this.config.region}"${this.config.base_url ? ` and base_url ${this.config.base_url}` : ''}.`,
        );
      case 400:
        return new ConfigError(`Ada rejected the request ${url.pathname}${url.search} (HTTP 400${said}); check start_date, end_date and page_size.`);
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

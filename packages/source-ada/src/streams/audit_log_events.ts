import { windowedStream, type StreamDefinition, type Window } from '@ada-airbyte/core';
import { type AdaClient } from '../ada-client.js';
import { type AdaConfig } from '../config.js';
import { type AuditLogEvent } from '../generated/records.js';
import { dateTimeFields, normalizeRecords } from '../normalize.js';
import { type ReadRanges } from '../read-range.js';
import { loadSchema } from './schema.js';

const NAME = 'audit_log_events';
/** The audit log's largest page. */
const MAX_LIMIT = 1000;

/**
 * Ada's audit log (§9.8): windows of at most 30 days with both bounds inclusive, so a window
 * [since, to) asks for start_date = since and end_date = to minus a millisecond (the events'
 * precision). Pages come newest first behind an opaque cursor: a window counts only once finished,
 * and the next link is followed verbatim (Ada refuses a walk whose window or cursor changed).
 */
export function auditLogEvents(config: AdaConfig, client: AdaClient, ranges: () => Promise<ReadRanges>): StreamDefinition {
  const jsonSchema = loadSchema(NAME);
  const shape = { stream: NAME, keyField: 'id', dateFields: dateTimeFields(jsonSchema), noneFields: [] };
  const pace = { group: 'audit_log', key: NAME } as const;
  const stats = client.pacers.audit_log.statsFor(NAME);
  const firstUrl = (window: Window): string =>
    client.url('/api/v2/analytics/audit-log/events/', {
      start_date: new Date(Date.parse(window.since)).toISOString(),
      end_date: new Date(Date.parse(window.to) - 1).toISOString(),
      limit: String(Math.min(config.page_size, MAX_LIMIT)),
    });
  return windowedStream<AuditLogEvent>({
    name: NAME,
    jsonSchema,
    primaryKey: [['id']],
    cursorField: 'timestamp',
    range: async () => (await ranges()).auditLog,
    order: 'unordered',
    concurrency: config.window_concurrency,
    target: ({ pageMs }) => client.pacers.audit_log.inFlightFor(NAME, pageMs),
    stats: () => ({ requests: stats.requests, rateLimitWaitMs: stats.waitedMs }),
    fetcher: {
      fetch: async (window, link) => {
        const url = link !== undefined ? client.resolveLink(link) : firstUrl(window);
        const page = await client.fetchPage(url, pace);
        return { records: normalizeRecords(page.records, shape) as unknown as AuditLogEvent[], next: page.next, requested: url };
      },
    },
  });
}

import { absoluteUrl } from '../lists/paging.js';
import { asciiJson } from '../json.js';
import { jsonBody, type Outcome, type RequestContext } from '../outcome.js';
import { parseRfc3339Us } from '../time.js';
import { encodeCursor } from './cursor.js';
import type { AuditLog } from './events.js';
import { parseAuditQuery } from './query.js';

/**
 * GET /api/v2/analytics/audit-log/events/. A full page gets a next link even when nothing
 * follows, so a walk can end on an empty page with a null link ("null on the last or an empty
 * page", ada-api.md §9.8). The link carries start_date, end_date and the cursor, never `limit`:
 * the cursor holds it.
 */
export function auditLogHandler(log: AuditLog): (ctx: RequestContext) => Outcome {
  return (ctx) => {
    const query = parseAuditQuery(ctx.search, ctx.nowMs);
    if ('ok' in query) return query;
    const events = log.page(query.startUs, query.endUs, query.after, query.limit);
    const last = events[events.length - 1];
    let next: string | null = null;
    if (last !== undefined && events.length === query.limit) {
      const cursor = encodeCursor({
        afterUs: parseRfc3339Us(last.timestamp) ?? 0,
        afterId: last.id,
        startUs: query.startUs,
        endUs: query.endUs,
        limit: query.limit,
      });
      next = absoluteUrl(ctx, [['start_date', query.startRaw], ['end_date', query.endRaw], ['cursor', cursor]]);
    }
    return jsonBody(`{"data":[${events.map((e) => asciiJson(e)).join(',')}],"meta":{"next_page_url":${JSON.stringify(next)}}}`);
  };
}

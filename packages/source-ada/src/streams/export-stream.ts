import { windowedStream, type StreamDefinition } from '@ada-airbyte/core';
import { type AdaClient } from '../ada-client.js';
import { type AdaConfig } from '../config.js';
import { dateTimeFields, normalizeRecords } from '../normalize.js';
import { type ReadRanges } from '../read-range.js';
import { loadSchema } from './schema.js';

/** Ada's largest export page. */
const MAX_PAGE_SIZE = 10_000;

export interface ExportStreamSpec<R> {
  name: 'conversations' | 'messages';
  /** The query parameter family the cursor is filtered by: updated_since/updated_to or created_*. */
  filter: 'updated' | 'created';
  cursorField: keyof R & string;
  /** Fields where Ada writes the string "None" for no value. */
  noneFields?: (keyof R & string)[];
}

/**
 * One of Ada's export endpoints: time windows of at most 60 days with an explicit upper bound,
 * pages keyset on the cursor (each next link restarts at the last record's second, so the window
 * cursor drops repeats at the boundary), incremental and full refresh.
 */
export function exportStream<R extends { _id: string }>(spec: ExportStreamSpec<R>, config: AdaConfig, client: AdaClient, ranges: () => Promise<ReadRanges>): StreamDefinition {
  const jsonSchema = loadSchema(spec.name);
  const shape = { stream: spec.name, keyField: '_id', dateFields: dateTimeFields(jsonSchema), noneFields: spec.noneFields ?? [] };
  const pace = { group: 'export', key: spec.name } as const;
  const stats = client.pacers.export.statsFor(spec.name);
  return windowedStream<R>({
    name: spec.name,
    jsonSchema,
    primaryKey: [['_id']],
    cursorField: spec.cursorField,
    range: async () => (await ranges()).export,
    order: 'ascending',
    concurrency: config.window_concurrency,
    // As many windows at once as Ada's budget and its answer times call for (Little's law).
    target: ({ pageMs }) => client.pacers.export.inFlightFor(spec.name, pageMs),
    stats: () => ({ requests: stats.requests, rateLimitWaitMs: stats.waitedMs }),
    fetcher: {
      fetch: async (window, next) => {
        const url =
          next ??
          client.url(`/api/v2/export/${spec.name}`, {
            [`${spec.filter}_since`]: window.since,
            [`${spec.filter}_to`]: window.to,
            page_size: String(config.page_size),
          });
        const page = await client.fetchPage(url, pace);
        // Normalised against the stream's schema; fields Ada adds later pass through.
        return { records: normalizeRecords(page.records, shape) as unknown as R[], next: page.next, requested: url };
      },
      // A window split in two: its next links must stop where the other part starts.
      narrow: (link, window) => {
        const url = new URL(link);
        url.searchParams.set(`${spec.filter}_to`, window.to);
        return url.toString();
      },
      // More records in one second than a page holds: Ada's next link would repeat the page forever.
      widen: (link) => {
        const url = new URL(link);
        const size = Number(url.searchParams.get('page_size') ?? MAX_PAGE_SIZE);
        if (!(size < MAX_PAGE_SIZE)) return undefined;
        url.searchParams.set('page_size', String(Math.min(MAX_PAGE_SIZE, size * 10)));
        return url.toString();
      },
    },
  });
}

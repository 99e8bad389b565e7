import { readFileSync } from 'node:fs';
import { runIncrementalStream, SystemError, type StreamDefinition, type PagedSource } from '@ada-airbyte/core';
import { type AdaClient, type ExportEndpoint } from '../ada-client.js';
import { type AdaConfig } from '../config.js';
import { dateTimeFields, normalizeRecord } from '../normalize.js';
import { type ReadRange } from '../read-range.js';

/** Ada's largest page. */
const MAX_PAGE_SIZE = 10_000;

export interface ExportStreamSpec<R> {
  name: ExportEndpoint;
  /** The query parameter family the cursor is filtered by: updated_since/updated_to or created_*. */
  filter: 'updated' | 'created';
  cursorField: keyof R & string;
  /** Fields where Ada writes the string "None" for no value. */
  noneFields?: (keyof R & string)[];
}

export function loadSchema(stream: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../resources/schemas/${stream}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** One of Ada's export endpoints as an incremental stream; the state machine is core's. */
export function exportStream<R extends { _id: string }>(
  spec: ExportStreamSpec<R>,
  config: AdaConfig,
  client: AdaClient,
  range: ReadRange,
): StreamDefinition {
  const jsonSchema = loadSchema(spec.name);
  const dateFields = dateTimeFields(jsonSchema);
  const noneFields = spec.noneFields ?? [];

  const source: PagedSource<R> = {
    stream: spec.name,
    idOf: (record) => {
      const id = record._id;
      if (typeof id !== 'string' || id === '') throw new SystemError(`Ada sent a ${spec.name} record without an _id.`);
      return id;
    },
    cursorOf: (record) => {
      const value = record[spec.cursorField];
      if (typeof value !== 'string') {
        throw new SystemError(`Ada sent ${spec.name} record ${String(record._id)} without ${spec.cursorField}.`);
      }
      return value;
    },
    fetchPage: async ({ window, next }) => {
      const url = next ?? client.firstPageUrl(spec.name, spec.filter, window.since, window.to, config.page_size);
      const page = await client.fetchPage(spec.name, url);
      for (const record of page.records) {
        if (record === null || typeof record !== 'object') throw new SystemError(`Ada sent a ${spec.name} record that is not an object.`);
        normalizeRecord(record, spec.name, dateFields, noneFields);
      }
      // Normalised against the stream's schema above; fields Ada adds later pass through.
      return { records: page.records as unknown as R[], next: page.next, requested: url };
    },
    widen: (link) => {
      const url = new URL(link);
      const size = Number(url.searchParams.get('page_size') ?? MAX_PAGE_SIZE);
      if (!(size < MAX_PAGE_SIZE)) return undefined;
      url.searchParams.set('page_size', String(Math.min(MAX_PAGE_SIZE, size * 10)));
      return url.toString();
    },
  };

  return {
    name: spec.name,
    jsonSchema,
    cursorField: spec.cursorField,
    primaryKey: '_id',
    read: (ctx) => {
      const stats = client.pacer.statsFor(spec.name);
      return runIncrementalStream(ctx, {
        source,
        ...range,
        concurrency: config.window_concurrency,
        stats: () => ({ requests: stats.requests, rateLimitWaitMs: stats.waitedMs }),
      });
    },
  };
}

import { listStream, type ListPartition, type StreamDefinition } from '@ada-airbyte/core';
import { AdaRequestRefused, type AdaClient } from '../ada-client.js';
import { dateTimeFields, normalizeRecords } from '../normalize.js';
import { type ApiGroup } from '../rate-limits.js';
import { loadSchema } from './schema.js';

/** Ada's largest page on its cursor-paged lists. */
export const MAX_LIST_LIMIT = 100;

export interface AdaListSpec<R> {
  name: string;
  path: string;
  group: ApiGroup;
  key: keyof R & string;
  /** `cursor`: `limit` + `cursor`, following Ada's next links; `none`: one reply holds the whole list. */
  paging: 'cursor' | 'none';
  /** Query parameters that split the list (channels: one partition per `type`); default one, without any. */
  partitions?: ListPartition<Record<string, string>>[];
}

/**
 * One of Ada's configuration lists as a full-refresh stream. It follows Ada's next links as given
 * and checkpoints each page's position, so a stopped read resumes at that page; a saved link Ada
 * refuses (the record its cursor names is gone) starts the partition over.
 */
export function adaList<R extends object>(spec: AdaListSpec<R>, client: AdaClient): StreamDefinition {
  const jsonSchema = loadSchema(spec.name);
  const shape = { stream: spec.name, keyField: spec.key, dateFields: dateTimeFields(jsonSchema), noneFields: [] };
  const pace = { group: spec.group, key: spec.name };
  const stats = client.pacers[spec.group].statsFor(spec.name);
  const firstUrl = (params: Record<string, string> | undefined): string =>
    client.url(spec.path, { ...params, ...(spec.paging === 'cursor' ? { limit: String(MAX_LIST_LIMIT) } : {}) });
  return listStream<R, Record<string, string> | undefined>({
    name: spec.name,
    jsonSchema,
    primaryKey: [[spec.key]],
    ...(spec.partitions ? { partitions: spec.partitions } : {}),
    stats: () => ({ requests: stats.requests, rateLimitWaitMs: stats.waitedMs }),
    fetcher: {
      fetch: async (params, link) => {
        const url = link !== undefined ? client.resolveLink(link) : firstUrl(params);
        const page = await client.fetchPage(url, pace);
        const records = normalizeRecords(page.records, shape) as unknown as R[];
        return { records, next: spec.paging === 'cursor' ? page.next : undefined, requested: url };
      },
      refusesPosition: (error) => error instanceof AdaRequestRefused,
    },
  });
}

import { asciiJson } from '../json.js';
import { invalid, jsonBody, notFound, type Outcome, type RequestContext, repeated } from '../outcome.js';
import { parseArticleFilters } from './article-filters.js';
import type { ListData, TableStream } from './catalog.js';
import { CHANNEL_TYPES, MODALITIES } from './channels.js';
import { cursorPage, type LastPage, listJson, nextPageUrl } from './paging.js';
import type { ListTable } from './table.js';
import type { EndUserRecord } from './types.js';

export type ListHandler = (ctx: RequestContext) => Outcome;

const MAX_EXTERNAL_ID = 36;

function paged<R extends object>(ctx: RequestContext, table: ListTable<R>, rows: readonly R[], last: LastPage = 'null'): Outcome {
  const page = cursorPage(table, rows, ctx.search);
  if ('ok' in page) return page;
  const next = page.nextKey === null ? null : nextPageUrl(ctx, page.nextKey);
  return jsonBody(listJson(page.rows, next, last));
}

/** Unpaginated lists ignore every parameter, `cursor` and `limit` included. */
function whole(lists: ListData, stream: TableStream, last: LastPage): ListHandler {
  return () => jsonBody(listJson(lists.table(stream).rows(), null, last));
}

function articles(lists: ListData): ListHandler {
  return (ctx) => {
    const filter = parseArticleFilters(ctx.search);
    if (typeof filter !== 'function') return filter;
    const table = lists.table('knowledge_articles');
    return paged(ctx, table, table.rows().filter(filter));
  };
}

/** `type` is required since Ada's August 2026 spec, so a full snapshot takes one walk per type. */
function channels(lists: ListData): ListHandler {
  return (ctx) => {
    const twice = repeated(ctx.search, ['type', 'modality']);
    if (twice !== null) return twice;
    const type = ctx.search.get('type');
    if (type === null) return invalid('type', 'type is required; expected custom or native');
    if (!(CHANNEL_TYPES as readonly string[]).includes(type)) return invalid('type', `type must be custom or native, got ${JSON.stringify(type)}`);
    const modality = ctx.search.get('modality');
    if (modality !== null && !(MODALITIES as readonly string[]).includes(modality)) {
      return invalid('modality', `modality must be one of ${MODALITIES.join(', ')}, got ${JSON.stringify(modality)}`);
    }
    const table = lists.table('channels');
    const rows = table.rows().filter((c) => c.type === type && (modality === null || c.modality === modality));
    return paged(ctx, table, rows);
  };
}

const byExternalId = new WeakMap<readonly EndUserRecord[], Map<string, EndUserRecord>>();

/** External ids are case-insensitive (ada-api.md §9.6). */
function findByExternalId(rows: readonly EndUserRecord[], externalId: string): EndUserRecord | undefined {
  let index = byExternalId.get(rows);
  if (index === undefined) {
    index = new Map(rows.filter((u) => u.external_id !== null).map((u) => [u.external_id?.toLowerCase() ?? '', u]));
    byExternalId.set(rows, index);
  }
  return index.get(externalId.toLowerCase());
}

/** A cursor list, or with `external_id` a single bare profile; its last page leaves `next_page_url` out. */
function endUsers(lists: ListData): ListHandler {
  return (ctx) => {
    const table = lists.table('end_users');
    if (!ctx.search.has('external_id')) return paged(ctx, table, table.rows(), 'omit-key');
    const twice = repeated(ctx.search, ['external_id']);
    if (twice !== null) return twice;
    for (const name of ['cursor', 'limit']) {
      if (ctx.search.has(name)) return invalid(name, `${name} cannot be combined with external_id, which looks up a single end user`);
    }
    const externalId = ctx.search.get('external_id') ?? '';
    if (externalId === '' || externalId.length > MAX_EXTERNAL_ID) {
      return invalid('external_id', `external_id must be 1 to ${MAX_EXTERNAL_ID} characters long`);
    }
    const user = findByExternalId(table.rows(), externalId);
    if (user === undefined) return notFound('external_id', `no end user has external_id ${JSON.stringify(externalId)}`);
    return jsonBody(asciiJson(user));
  };
}

export function listHandlers(lists: ListData): Record<TableStream, ListHandler> {
  const cursorList = (stream: 'platform_integrations' | 'webhooks' | 'custom_instructions' | 'playbooks'): ListHandler =>
    (ctx) => paged(ctx, lists.table(stream) as ListTable<object>, lists.table(stream).rows());
  return {
    knowledge_articles: articles(lists),
    knowledge_sources: whole(lists, 'knowledge_sources', 'no-meta'),
    knowledge_tags: whole(lists, 'knowledge_tags', 'null'),
    end_users: endUsers(lists),
    platform_integrations: cursorList('platform_integrations'),
    webhooks: cursorList('webhooks'),
    webhook_event_types: whole(lists, 'webhook_event_types', 'null'),
    channels: channels(lists),
    variables: whole(lists, 'variables', 'null'),
    custom_instructions: cursorList('custom_instructions'),
    playbooks: cursorList('playbooks'),
  };
}

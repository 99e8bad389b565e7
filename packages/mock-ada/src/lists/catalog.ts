import type { Dataset } from '../data.js';
import type { ListStream } from '../streams.js';
import { customInstruction, playbook, variable } from './agent-settings.js';
import { channel } from './channels.js';
import type { ListContext } from './context.js';
import { createdEndUser, endUsersOf } from './end-users.js';
import { platformIntegration } from './integrations.js';
import { type ArticleReferences, knowledgeArticle, knowledgeSource, knowledgeTag } from './knowledge.js';
import { ListTable } from './table.js';
import type {
  ChannelRecord, CustomInstructionRecord, EndUserRecord, KnowledgeArticleRecord, KnowledgeSourceRecord, KnowledgeTagRecord,
  PlatformIntegrationRecord, PlaybookRecord, VariableRecord, WebhookEventTypeRecord, WebhookRecord,
} from './types.js';
import { webhook, webhookEventType } from './webhooks.js';

/** How many rows each generated list starts with. */
export interface ListSizes {
  articles: number;
  knowledgeSources: number;
  knowledgeTags: number;
  playbooks: number;
}

export const DEFAULT_LIST_SIZES: ListSizes = { articles: 60, knowledgeSources: 4, knowledgeTags: 8, playbooks: 6 };

const FIXED = { webhooks: 3, eventTypes: 6, channels: 7, variables: 12, customInstructions: 5, integrations: 2 } as const;

/** The streams ListData keeps; the audit log has a store of its own. */
export type TableStream = Exclude<ListStream, 'audit_log_events'>;

export interface TableRows {
  knowledge_articles: KnowledgeArticleRecord;
  knowledge_sources: KnowledgeSourceRecord;
  knowledge_tags: KnowledgeTagRecord;
  end_users: EndUserRecord;
  platform_integrations: PlatformIntegrationRecord;
  webhooks: WebhookRecord;
  webhook_event_types: WebhookEventTypeRecord;
  channels: ChannelRecord;
  variables: VariableRecord;
  custom_instructions: CustomInstructionRecord;
  playbooks: PlaybookRecord;
}

type Tables = { [S in TableStream]: ListTable<TableRows[S]> };

function times<T>(n: number, make: (k: number) => T): T[] {
  return Array.from({ length: n }, (_, k) => make(k));
}

/**
 * Every list stream except the audit log, generated once from the seed. The catalogs conversations
 * cite (articles, playbooks) are fixed at start, so `used_articles` and `used_playbooks` point at
 * rows these lists serve until a test deletes one; end users are derived from the conversations
 * and follow mutate().
 */
export class ListData {
  readonly articles: readonly KnowledgeArticleRecord[];
  readonly playbooks: readonly PlaybookRecord[];
  readonly sources: readonly KnowledgeSourceRecord[];
  private readonly tables: Tables;
  private endUsersFor = -1;
  private endUsers: EndUserRecord[] = [];

  constructor(ctx: ListContext, sizes: ListSizes, ds: Dataset) {
    const variables = times(FIXED.variables, (k) => variable(ctx, k));
    const refs: ArticleReferences = {
      sources: times(sizes.knowledgeSources, (k) => knowledgeSource(ctx, k)),
      tags: times(sizes.knowledgeTags, (k) => knowledgeTag(ctx, k)),
      variables,
    };
    this.sources = refs.sources;
    this.articles = times(sizes.articles, (k) => knowledgeArticle(ctx, refs, k));
    this.playbooks = times(sizes.playbooks, (k) => playbook(ctx, this.articles, k));
    const key = (row: { id: string }): string => row.id;
    const fixed = <R extends { id: string }>(rows: readonly R[], make: (k: number, atUs: number) => R): ListTable<R> =>
      new ListTable(key, () => rows, make);
    this.tables = {
      knowledge_articles: fixed(this.articles, (k, at) => knowledgeArticle(ctx, refs, sizes.articles + k, at)),
      knowledge_sources: fixed(refs.sources, (k, at) => knowledgeSource(ctx, sizes.knowledgeSources + k, at)),
      knowledge_tags: fixed(refs.tags, (k) => knowledgeTag(ctx, sizes.knowledgeTags + k)),
      end_users: new ListTable((row) => row.end_user_id, () => this.endUsersNow(ds, ctx), (k, at) => createdEndUser(ctx, k, at)),
      platform_integrations: fixed(times(FIXED.integrations, (k) => platformIntegration(ctx, k)), (k, at) => platformIntegration(ctx, FIXED.integrations + k, at)),
      webhooks: fixed(times(FIXED.webhooks, (k) => webhook(ctx, k)), (k, at) => webhook(ctx, FIXED.webhooks + k, at)),
      webhook_event_types: new ListTable((row) => row.name, () => times(FIXED.eventTypes, webhookEventType), (k) => webhookEventType(FIXED.eventTypes + k)),
      channels: fixed(times(FIXED.channels, (k) => channel(ctx, k)), (k, at) => channel(ctx, FIXED.channels + k, at)),
      variables: fixed(variables, (k) => variable(ctx, FIXED.variables + k)),
      custom_instructions: fixed(times(FIXED.customInstructions, (k) => customInstruction(ctx, k)), (k) => customInstruction(ctx, FIXED.customInstructions + k)),
      playbooks: fixed(this.playbooks, (k) => playbook(ctx, this.articles, sizes.playbooks + k)),
    };
  }

  table<S extends TableStream>(stream: S): Tables[S] {
    return this.tables[stream];
  }

  /** Rows in API order; channels as a full read gets them, custom first, then native. */
  rows(stream: TableStream): readonly object[] {
    const rows: readonly object[] = this.tables[stream].rows();
    if (stream !== 'channels') return rows;
    const channels = rows as readonly ChannelRecord[];
    return [...channels.filter((c) => c.type === 'custom'), ...channels.filter((c) => c.type === 'native')];
  }

  keys(stream: TableStream): string[] {
    const table = this.tables[stream] as ListTable<object>;
    return this.rows(stream).map((row) => table.keyOf(row));
  }

  /** Conversations were added or changed: the end users derived from them may differ. */
  conversationsChanged(): void {
    this.tables.end_users.invalidate();
  }

  private endUsersNow(ds: Dataset, ctx: ListContext): EndUserRecord[] {
    // Enumerating chatters walks every conversation: do it once per conversation count.
    if (this.endUsersFor !== ds.conversationCount) {
      this.endUsers = endUsersOf(ds, ctx);
      this.endUsersFor = ds.conversationCount;
    }
    return this.endUsers;
  }
}

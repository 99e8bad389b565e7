import { describe, expect, it } from 'vitest';
import type {
  AuditLogEventRecord, ConversationRecord, EndUserRecord, KnowledgeArticleRecord, KnowledgeSourceRecord, MockAda, PlaybookRecord,
} from '../src/index.js';
import { conversationsOf, LIST_PATHS, NOW, start, walkList } from './helpers.js';

/** Keys as a client reads them over HTTP, not through the mock's own accessors. */
async function served<T>(mock: MockAda, path: string): Promise<T[]> {
  return (await walkList<T>(mock, `${path}${path.includes('?') ? '&' : '?'}limit=100`)).records;
}

describe('cross-stream consistency', () => {
  it('conversations cite articles, playbooks and end users that the lists serve', async () => {
    const mock = await start({ conversations: 1500, now: () => Date.now() });
    const conversations = conversationsOf(mock);
    const articles = new Map((await served<KnowledgeArticleRecord>(mock, LIST_PATHS.knowledge_articles)).map((a) => [a.id, a]));
    const playbooks = new Map((await served<PlaybookRecord>(mock, LIST_PATHS.playbooks)).map((p) => [p.id, p]));
    const sources = new Map((await served<KnowledgeSourceRecord>(mock, LIST_PATHS.knowledge_sources)).map((s) => [s.id, s]));
    const endUsers = new Set((await served<EndUserRecord>(mock, LIST_PATHS.end_users)).map((u) => u.end_user_id));

    const usedArticles = conversations.flatMap((c) => c.used_articles);
    const usedPlaybooks = conversations.flatMap((c) => c.used_playbooks);
    const endUserIds = conversations.map((c) => c.end_user_id).filter((id): id is string => id !== null);
    expect(usedArticles.length).toBeGreaterThan(100);
    expect(usedPlaybooks.length).toBeGreaterThan(50);
    expect(endUserIds.length).toBeGreaterThan(1000);
    for (const used of usedArticles) {
      const article = articles.get(used.id);
      expect(article, used.id).toBeDefined();
      expect(used.name).toBe(article?.name);
      expect(used.url).toBe(article?.url);
      expect(used.source).toBe(article?.knowledge_source_id == null ? null : (sources.get(article.knowledge_source_id)?.name ?? 'missing'));
      expect(article?.enabled).toBe(true);
    }
    for (const used of usedPlaybooks) expect(playbooks.get(used.id)?.name, used.id).toBe(used.name);
    for (const id of endUserIds) expect(endUsers.has(id), id).toBe(true);
    // Articles from several sources (several id shapes) get cited, not just one.
    expect(new Set(usedArticles.map((a) => a.source)).size).toBeGreaterThan(2);
    // Some end users are referenced by no conversation.
    const referenced = new Set(endUserIds);
    expect([...endUsers].filter((id) => !referenced.has(id)).length).toBeGreaterThanOrEqual(3);
  });

  it('returning chatters keep their end user, and each end user is dated by its conversations', async () => {
    const mock = await start({ conversations: 1000 });
    const conversations = conversationsOf(mock);
    const endUserOf = new Map<string, Set<string | null>>();
    for (const c of conversations) endUserOf.set(c.chatter_id, (endUserOf.get(c.chatter_id) ?? new Set()).add(c.end_user_id));
    expect([...endUserOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(conversations.length - endUserOf.size).toBeGreaterThan(100);
    const users = new Map((mock.records('end_users') as EndUserRecord[]).map((u) => [u.end_user_id, u]));
    for (const c of conversations.filter((x) => x.end_user_id !== null)) {
      const user = users.get(c.end_user_id ?? '');
      expect(Date.parse(user?.created_at ?? '')).toBeLessThanOrEqual(Date.parse(`${c.date_created}Z`));
      expect(Date.parse(user?.updated_at ?? '')).toBeGreaterThanOrEqual(Date.parse(`${c.date_created}Z`) - 1);
    }
  });

  it('the lists cite each other consistently', async () => {
    const mock = await start();
    const articles = mock.records('knowledge_articles') as KnowledgeArticleRecord[];
    const articleIds = new Set(mock.ids('knowledge_articles'));
    const sourceIds = new Set(mock.ids('knowledge_sources'));
    const tagIds = new Set(mock.ids('knowledge_tags'));
    const variableIds = new Set(mock.ids('variables'));
    for (const a of articles) {
      if (a.knowledge_source_id !== null) expect(sourceIds.has(a.knowledge_source_id)).toBe(true);
      for (const t of a.tag_ids) expect(tagIds.has(t)).toBe(true);
      const variables = JSON.stringify(a.availability_rules).match(/"id":"[0-9a-f]+"/g) ?? [];
      for (const v of variables) expect(variableIds.has(v.slice(6, -1))).toBe(true);
    }
    expect(articles.some((a) => a.tag_ids.length > 1)).toBe(true);
    const cited = (mock.records('playbooks') as PlaybookRecord[]).flatMap((p) => p.referenced_articles);
    expect(cited.length).toBeGreaterThan(0);
    for (const id of cited) expect(articleIds.has(id)).toBe(true);
    const events = mock.records('audit_log_events') as AuditLogEventRecord[];
    const aboutArticles = events.filter((e) => e.entity_type === 'knowledge_article');
    expect(aboutArticles.length).toBeGreaterThan(0);
    for (const e of aboutArticles) expect(articleIds.has(e.entity_id)).toBe(true);
    const eventTypes = new Set(mock.ids('webhook_event_types'));
    for (const w of mock.records('webhooks') as Array<{ event_filters: string[] }>) for (const f of w.event_filters) expect(eventTypes.has(f)).toBe(true);
  });

  it('end users follow the conversations that mutate() creates', async () => {
    const clock = { t: NOW };
    const mock = await start({ now: () => clock.t });
    const before = new Set(mock.ids('end_users'));
    clock.t = NOW + 60_000;
    const { created } = mock.mutate({ create: 40 });
    const fresh = (mock.records('conversations') as ConversationRecord[]).filter((c) => created.includes(c._id));
    const users = new Set(mock.ids('end_users'));
    const cited = fresh.map((c) => c.end_user_id).filter((id): id is string => id !== null);
    for (const id of cited) expect(users.has(id)).toBe(true);
    expect(cited.some((id) => !before.has(id))).toBe(true);
    expect(users.size).toBeGreaterThan(before.size);
  });

  it('honours the list-size options', async () => {
    const mock = await start({ articles: 250, knowledgeSources: 9, knowledgeTags: 0, playbooks: 0, auditEvents: 0 });
    expect(mock.ids('knowledge_articles')).toHaveLength(250);
    expect(mock.ids('knowledge_sources')).toHaveLength(9);
    expect(mock.ids('knowledge_tags')).toHaveLength(0);
    expect(mock.ids('playbooks')).toHaveLength(0);
    expect(mock.ids('audit_log_events')).toHaveLength(0);
    expect(new Set(mock.ids('knowledge_articles')).size).toBe(250);
    const conversations = conversationsOf(mock);
    expect(conversations.every((c) => c.used_playbooks.length === 0)).toBe(true);
    expect((mock.records('knowledge_articles') as KnowledgeArticleRecord[]).every((a) => a.tag_ids.length === 0)).toBe(true);
    await expect(start({ articles: 50_001 })).rejects.toThrow(/articles/);
    await expect(start({ auditEvents: -1 })).rejects.toThrow(/auditEvents/);
  });
});

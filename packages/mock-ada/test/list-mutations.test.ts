import { describe, expect, it } from 'vitest';
import type { KnowledgeArticleRecord, ListStream } from '../src/index.js';
import { errorOf, getJson, LIST_PATHS, type ListBody, NOW, start, walkList } from './helpers.js';

const TABLE_STREAMS: ListStream[] = [
  'knowledge_articles', 'knowledge_sources', 'knowledge_tags', 'end_users', 'platform_integrations', 'webhooks',
  'webhook_event_types', 'channels', 'variables', 'custom_instructions', 'playbooks',
];

describe('mutateLists', () => {
  it('deleting the row a saved cursor points to makes that cursor a 400 invalid_cursor', async () => {
    const mock = await start();
    const first = await getJson<ListBody<KnowledgeArticleRecord>>(mock, `${LIST_PATHS.knowledge_articles}?limit=10`);
    const saved = first.body.meta?.next_page_url ?? '';
    const cursor = new URL(saved).searchParams.get('cursor') ?? '';
    mock.mutateLists({ delete: [{ stream: 'knowledge_articles', ids: [cursor] }] });
    const res = await getJson<unknown>(mock, saved);
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ type: 'invalid_cursor', details: 'cursor' });
    expect(mock.ids('knowledge_articles')).not.toContain(cursor);
    expect(mock.ids('knowledge_articles')).toHaveLength(59);
    const walk = await walkList<KnowledgeArticleRecord>(mock, `${LIST_PATHS.knowledge_articles}?limit=10`);
    expect(walk.records.map((a) => a.id)).toEqual(mock.ids('knowledge_articles'));
  });

  it.each(TABLE_STREAMS)('creates %s rows that the next full read sees, and deletes them again', async (stream) => {
    const clock = { t: NOW };
    const mock = await start({ now: () => clock.t });
    const before = mock.ids(stream);
    clock.t = NOW + 60_000;
    const { created } = mock.mutateLists({ create: [{ stream, count: 3 }] });
    const fresh = created[stream] ?? [];
    expect(fresh).toHaveLength(3);
    expect(fresh).toEqual([...fresh].sort());
    const after = mock.ids(stream);
    // Channels are read custom first, then native; every other list is one ascending run.
    if (stream === 'channels') expect([...after].sort()).toEqual([...before, ...fresh].sort());
    else expect(after).toEqual([...before, ...fresh].sort());
    expect(new Set(after).size).toBe(before.length + 3);
    mock.mutateLists({ delete: [{ stream, ids: fresh }] });
    expect(mock.ids(stream)).toEqual(before);
  });

  it('dates created rows now', async () => {
    const clock = { t: NOW };
    const mock = await start({ now: () => clock.t });
    clock.t = NOW + 3_600_000;
    const { created } = mock.mutateLists({ create: [{ stream: 'knowledge_articles', count: 2 }, { stream: 'end_users', count: 1 }] });
    const stamp = new Date(clock.t).toISOString().replace('.000Z', '+00:00');
    const articles = (mock.records('knowledge_articles') as KnowledgeArticleRecord[]).filter((a) => created.knowledge_articles?.includes(a.id));
    expect(articles.map((a) => [a.created, a.updated])).toEqual([[stamp, stamp], [stamp, stamp]]);
    const user = (await walkList<{ end_user_id: string; created_at: string }>(mock, LIST_PATHS.end_users)).records.find((u) => u.end_user_id === created.end_users?.[0]);
    expect(user?.created_at).toBe(stamp);
  });

  it('refuses bad mutations without changing anything', async () => {
    const mock = await start();
    const articles = mock.ids('knowledge_articles');
    const [a = ''] = articles;
    expect(() => mock.mutateLists({ delete: [{ stream: 'knowledge_articles', ids: [a] }, { stream: 'playbooks', ids: ['nope'] }] })).toThrow(/no such record: nope/);
    expect(() => mock.mutateLists({ delete: [{ stream: 'audit_log_events', ids: [] }] })).toThrow(/append-only/);
    expect(() => mock.mutateLists({ create: [{ stream: 'audit_log_events', count: 1 }] })).toThrow(/append-only/);
    expect(() => mock.mutateLists({ create: [{ stream: 'webhooks', count: -1 }] })).toThrow(RangeError);
    expect(() => mock.mutateLists({ auditEvents: 1.5 })).toThrow(RangeError);
    expect(() => mock.mutateLists({ delete: [{ stream: 'tickets' as ListStream, ids: [] }] })).toThrow(/unknown list stream/);
    expect(mock.ids('knowledge_articles')).toEqual(articles);
  });

  it('keeps a deleted end user deleted when mutate() regenerates the end users', async () => {
    const mock = await start();
    const [gone = ''] = mock.ids('end_users');
    mock.mutateLists({ delete: [{ stream: 'end_users', ids: [gone] }] });
    mock.mutate({ create: 5 });
    expect(mock.ids('end_users')).not.toContain(gone);
  });

  it('is deterministic for the same seed and call sequence', async () => {
    const a = await start({ seed: 9 });
    const b = await start({ seed: 9 });
    const steps = (m: typeof a) => [
      m.mutateLists({ create: [{ stream: 'webhooks', count: 2 }, { stream: 'end_users', count: 2 }], auditEvents: 3 }),
      m.mutateLists({ delete: [{ stream: 'variables', ids: m.ids('variables').slice(0, 2) }] }),
    ];
    expect(steps(b)).toEqual(steps(a));
    for (const stream of [...TABLE_STREAMS, 'audit_log_events'] as const) expect(b.records(stream)).toEqual(a.records(stream));
  });
});

import { describe, expect, it } from 'vitest';
import type { ChannelRecord, EndUserRecord, KnowledgeArticleRecord, MockAda, Stream } from '../src/index.js';
import { errorOf, getJson, LIST_PATHS, type ListBody, start, walkList } from './helpers.js';

type Row = Record<string, unknown>;

/** Cursor-paged lists: stream, primary key, and extra parameters the endpoint needs. */
const CURSOR_LISTS = [
  ['knowledge_articles', 'id', ''],
  ['end_users', 'end_user_id', ''],
  ['platform_integrations', 'id', ''],
  ['webhooks', 'id', ''],
  ['custom_instructions', 'id', ''],
  ['playbooks', 'id', ''],
  ['channels', 'id', 'type=custom&'],
  ['channels', 'id', 'type=native&'],
] as const;

const UNPAGED = [['knowledge_tags', 'id'], ['webhook_event_types', 'name'], ['variables', 'id']] as const;

/** Every field Ada documents, in the order the mock writes them. */
const FIELDS: Partial<Record<Stream, string>> = {
  knowledge_articles: 'id,name,content,url,knowledge_source_id,language,tag_ids,created,updated,external_created,external_updated,enabled,metadata,availability_rules',
  knowledge_sources: 'id,name,external_id,metadata,created,updated,last_sync,status',
  knowledge_tags: 'id,name',
  end_users: 'end_user_id,external_id,profile,created_at,updated_at',
  platform_integrations: 'id,status,created,updated,name,description,author,contact,identifier_field_path,icon_url,call_to_action,uninstallation_url,oauth_callback_url,tags,scopes,configuration_fields,error_codes',
  webhooks: 'id,url,description,event_filters,enabled,created_at,updated_at',
  webhook_event_types: 'name,description',
  variables: 'id,name',
  custom_instructions: 'id,title,text,enabled,notes,availability_rules',
  playbooks: 'id,name,version,enabled,description,sections,tags,referenced_articles',
};

const OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/;
const SVIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function sortedAscending(keys: string[]): boolean {
  return keys.every((k, i) => i === 0 || (keys[i - 1] ?? '') < k);
}

function lastMeta(walk: { pages: ListBody[] }): unknown {
  return walk.pages.at(-1)?.meta;
}

async function status(mock: MockAda, path: string): Promise<{ status: number; error: ReturnType<typeof errorOf> | null }> {
  const res = await getJson<unknown>(mock, path);
  return { status: res.status, error: res.status === 200 ? null : errorOf(res.body) };
}

describe('cursor-paged lists', () => {
  it.each(CURSOR_LISTS)('%s (%s, %s) walks every row once, in ascending key order, with absolute next links', async (stream, key, params) => {
    const mock = await start();
    const limit = stream === 'end_users' ? 37 : stream === 'knowledge_articles' ? 7 : 1;
    const walk = await walkList<Row>(mock, `${LIST_PATHS[stream]}?${params}limit=${limit}`);
    const keys = walk.records.map((r) => String(r[key]));
    const expected = stream === 'channels'
      ? (mock.records('channels') as ChannelRecord[]).filter((c) => params.includes(c.type)).map((c) => c.id)
      : mock.ids(stream);
    expect(keys).toEqual(expected);
    expect(keys.length).toBeGreaterThan(1);
    expect(new Set(keys).size).toBe(keys.length);
    expect(sortedAscending(keys)).toBe(true);
    expect(walk.pages.length).toBe(Math.ceil(keys.length / limit));
    for (const page of walk.pages.slice(0, -1)) {
      const next = new URL(page.meta?.next_page_url ?? '');
      expect(`${next.origin}${next.pathname}`).toBe(`${mock.url}${LIST_PATHS[stream]}`);
      expect(next.searchParams.get('limit')).toBe(String(limit));
    }
    // End users declare a plain-string next_page_url and leave the key out on the last page.
    expect(lastMeta(walk)).toEqual(stream === 'end_users' ? {} : { next_page_url: null });
    expect(walk.records).toEqual(stream === 'channels' ? (mock.records('channels') as ChannelRecord[]).filter((c) => params.includes(c.type)) : mock.records(stream));
  });

  it('sets the next cursor to the next page\'s first key and repeats every other parameter in place', async () => {
    const mock = await start();
    const first = await getJson<ListBody<KnowledgeArticleRecord>>(mock, `${LIST_PATHS.knowledge_articles}?language=en&limit=3&utm=x&language=fr`);
    const next = new URL(first.body.meta?.next_page_url ?? '');
    expect([...next.searchParams.entries()]).toEqual([['language', 'en'], ['limit', '3'], ['utm', 'x'], ['language', 'fr'], ['cursor', expect.any(String)]]);
    const second = await getJson<ListBody<KnowledgeArticleRecord>>(mock, next.href);
    expect(second.body.data[0]?.id).toBe(next.searchParams.get('cursor'));
    const third = new URL(second.body.meta?.next_page_url ?? '');
    expect([...third.searchParams.keys()]).toEqual(['language', 'limit', 'utm', 'language', 'cursor']);
  });

  it('defaults to 100 rows a page and accepts 1 and 100', async () => {
    const mock = await start();
    expect(mock.ids('end_users').length).toBeGreaterThan(200);
    const page = await getJson<ListBody>(mock, LIST_PATHS.end_users);
    expect(page.body.data).toHaveLength(100);
    expect((await getJson<ListBody>(mock, `${LIST_PATHS.end_users}?limit=100`)).body.data).toEqual(page.body.data);
    expect(page.body.meta?.next_page_url).toBe(`${mock.url}${LIST_PATHS.end_users}?cursor=${mock.ids('end_users')[100]}`);
    expect((await getJson<ListBody>(mock, `${LIST_PATHS.end_users}?limit=1`)).body.data).toHaveLength(1);
    const channels = await getJson<ListBody>(mock, `${LIST_PATHS.channels}?type=native`);
    expect(channels.body).toEqual({ data: mock.records('channels').slice(3), meta: { next_page_url: null } });
  });

  it.each(['0', '101', '-1', '1.5', '1e2', '+5', 'abc', '', ' 5'])('refuses limit=%j with a 400 naming limit', async (limit) => {
    const mock = await start();
    for (const [stream, , params] of CURSOR_LISTS) {
      const res = await status(mock, `${LIST_PATHS[stream]}?${params}limit=${encodeURIComponent(limit)}`);
      expect(res.status, stream).toBe(400);
      expect(res.error).toMatchObject({ type: 'invalid_request', details: 'limit', message: expect.stringMatching(/limit must be an integer from 1 to 100/) });
    }
  });

  it('answers 400 invalid_cursor for a cursor that names no row, and 400 for a repeated cursor or limit', async () => {
    const mock = await start();
    for (const [stream, , params] of CURSOR_LISTS) {
      for (const cursor of ['ffffffffffffffffffffffff', '', 'zzz']) {
        const res = await status(mock, `${LIST_PATHS[stream]}?${params}cursor=${cursor}`);
        expect(res.status, stream).toBe(400);
        expect(res.error).toMatchObject({ type: 'invalid_cursor', details: 'cursor' });
      }
    }
    const [a = '', b = ''] = mock.ids('playbooks');
    expect((await status(mock, `${LIST_PATHS.playbooks}?cursor=${a}&cursor=${b}`)).error).toMatchObject({ details: 'cursor', message: expect.stringMatching(/at most once/) });
    expect((await status(mock, `${LIST_PATHS.playbooks}?limit=2&limit=3`)).error).toMatchObject({ details: 'limit' });
  });

  it('starts a page at the cursor, inclusive, and ignores unknown parameters', async () => {
    const mock = await start();
    const ids = mock.ids('webhooks');
    const page = await getJson<ListBody<{ id: string }>>(mock, `${LIST_PATHS.webhooks}?cursor=${ids[1]}&foo=bar`);
    expect(page.body.data.map((w) => w.id)).toEqual(ids.slice(1));
    expect(page.body.meta).toEqual({ next_page_url: null });
  });
});

describe('unpaginated lists', () => {
  it.each(UNPAGED)('%s serves every row in one page with a null next_page_url, ignoring cursor and limit', async (stream, key) => {
    const mock = await start();
    const body = (await getJson<ListBody<Row>>(mock, LIST_PATHS[stream])).body;
    expect(body.meta).toEqual({ next_page_url: null });
    expect(body.data.map((r) => r[key])).toEqual(mock.ids(stream));
    expect(body.data).toEqual(mock.records(stream));
    expect((await getJson<ListBody<Row>>(mock, `${LIST_PATHS[stream]}?limit=0&cursor=nope`)).body).toEqual(body);
  });

  it('knowledge sources come with no meta at all', async () => {
    const mock = await start();
    const res = await getJson<ListBody>(mock, LIST_PATHS.knowledge_sources);
    expect(Object.keys(res.body)).toEqual(['data']);
    expect(res.body.data).toHaveLength(4);
    expect(res.body.data).toEqual(mock.records('knowledge_sources'));
    expect(res.body.data.some((s) => s.status === 'delete_failed')).toBe(true);
  });

  it('has the documented sizes by default', async () => {
    const mock = await start();
    const sizes = Object.fromEntries(Object.keys(LIST_PATHS).map((s) => [s, mock.ids(s as Stream).length]));
    expect(sizes).toMatchObject({
      knowledge_articles: 60, knowledge_sources: 4, knowledge_tags: 8, platform_integrations: 2, audit_log_events: 400,
      webhooks: 3, webhook_event_types: 6, channels: 7, variables: 12, custom_instructions: 5, playbooks: 6,
    });
    expect(mock.ids('webhook_event_types')).toContain('v1.audit_log.emitted');
  });
});

describe('paths', () => {
  it.each(Object.entries(LIST_PATHS))('%s answers with and without the trailing slash', async (stream, path) => {
    const mock = await start();
    const query = stream === 'channels' ? '?type=native' : stream === 'audit_log_events' ? '?start_date=2026-02-20T00:00:00Z' : '';
    const slash = await getJson<unknown>(mock, `${path}${query}`);
    const bare = await getJson<unknown>(mock, `${path.slice(0, -1)}${query}`);
    expect(slash.status).toBe(200);
    expect(bare.status).toBe(200);
    expect(JSON.stringify(bare.body).replaceAll(path.slice(0, -1), path)).toBe(JSON.stringify(slash.body));
    expect((await getJson<unknown>(mock, `${path}/${query}`)).status).toBe(404);
    expect(mock.stats().byEndpoint[stream]).toBe(2);
  });

  it('next links keep the path form the client used', async () => {
    const mock = await start();
    const bare = await getJson<ListBody>(mock, '/api/v2/playbooks?limit=2');
    expect(bare.body.meta?.next_page_url).toMatch(new RegExp(`^${mock.url}/api/v2/playbooks\\?limit=2&cursor=`));
  });
});

describe('record shapes', () => {
  it('carry the documented fields, with +00:00 dates (Svix-style Z dates on webhooks)', async () => {
    const mock = await start();
    for (const [stream, fields] of Object.entries(FIELDS)) {
      for (const r of mock.records(stream as Stream)) expect(Object.keys(r).join(','), stream).toBe(fields);
    }
    const dates = (stream: Stream, names: string[]): string[] =>
      (mock.records(stream) as Row[]).flatMap((r) => names.map((n) => r[n]).filter((v): v is string => typeof v === 'string'));
    for (const d of [
      ...dates('knowledge_articles', ['created', 'updated', 'external_created', 'external_updated']),
      ...dates('knowledge_sources', ['created', 'updated', 'last_sync']),
      ...dates('end_users', ['created_at', 'updated_at']),
      ...dates('platform_integrations', ['created', 'updated']),
      ...dates('channels', ['created_at']),
    ]) expect(d).toMatch(OFFSET);
    for (const d of dates('webhooks', ['created_at', 'updated_at'])) expect(d).toMatch(SVIX);
    const articles = mock.records('knowledge_articles') as KnowledgeArticleRecord[];
    // Caller-chosen ids in the shapes their source systems use, so key order is byte order across shapes.
    expect(articles.some((a) => /^\d{12}$/.test(a.id))).toBe(true);
    expect(articles.some((a) => /^kA0/.test(a.id))).toBe(true);
    expect(articles.some((a) => /^[0-9a-f-]{36}$/.test(a.id))).toBe(true);
    expect(articles.some((a) => a.availability_rules !== null)).toBe(true);
    expect(articles.some((a) => !a.enabled)).toBe(true);
    expect(articles.some((a) => a.knowledge_source_id === null)).toBe(true);
    const users = mock.records('end_users') as EndUserRecord[];
    expect(users.some((u) => u.external_id !== null)).toBe(true);
    expect(users.some((u) => u.profile.email === null)).toBe(true);
    for (const u of users) expect(u.created_at <= u.updated_at).toBe(true);
  });

  it('channels are a oneOf on type: only custom ones carry metadata and created_at', async () => {
    const mock = await start();
    const channels = mock.records('channels') as ChannelRecord[];
    expect(channels.filter((c) => c.type === 'custom')).toHaveLength(3);
    expect(channels.filter((c) => c.type === 'native')).toHaveLength(4);
    for (const c of channels) {
      const keys = Object.keys(c).join(',');
      expect(keys).toBe(c.type === 'custom' ? 'type,id,name,description,modality,capabilities,metadata,created_at' : 'type,id,name,description,modality,capabilities');
    }
  });
});

describe('knowledge article filters', () => {
  async function ids(mock: MockAda, query: string): Promise<string[]> {
    return (await walkList<KnowledgeArticleRecord>(mock, `${LIST_PATHS.knowledge_articles}?limit=10&${query}`)).records.map((a) => a.id);
  }

  it('accept each filter as a repeated key or a comma list, OR within a filter and AND across filters', async () => {
    const mock = await start();
    const all = mock.records('knowledge_articles') as KnowledgeArticleRecord[];
    const [t1 = '', t2 = ''] = mock.ids('knowledge_tags');
    const expect_ = (pred: (a: KnowledgeArticleRecord) => boolean) => all.filter(pred).map((a) => a.id);
    const cases: Array<[string[], (a: KnowledgeArticleRecord) => boolean]> = [
      [['language=en,fr', 'language=en&language=fr'], (a) => ['en', 'fr'].includes(a.language)],
      [['enabled=false'], (a) => !a.enabled],
      [['enabled=true,false', 'enabled=true&enabled=false'], () => true],
      [['knowledge_source_id=zendesk,website-crawl', 'knowledge_source_id=zendesk&knowledge_source_id=website-crawl'], (a) => ['zendesk', 'website-crawl'].includes(a.knowledge_source_id ?? '')],
      [[`tag_ids=${t1},${t2}`, `tag_ids=${t1}&tag_ids=${t2}`], (a) => a.tag_ids.includes(t1) || a.tag_ids.includes(t2)],
      [[`id=${all[3]?.id},${all[40]?.id}`, `id=${all[3]?.id}&id=${all[40]?.id}`], (a) => a.id === all[3]?.id || a.id === all[40]?.id],
      [['language=en&enabled=true&knowledge_source_id=zendesk,salesforce-knowledge'], (a) => a.language === 'en' && a.enabled && ['zendesk', 'salesforce-knowledge'].includes(a.knowledge_source_id ?? '')],
      [['language=de,fr&language=en'], (a) => ['en', 'fr', 'de'].includes(a.language)],
    ];
    for (const [queries, pred] of cases) {
      const wanted = expect_(pred);
      expect(wanted.length, queries[0]).toBeGreaterThan(0);
      for (const q of queries) expect(await ids(mock, q), q).toEqual(wanted);
    }
    expect(await ids(mock, 'language=ja')).toEqual([]);
  });

  it.each([
    ['enabled=yes', 'enabled'], ['enabled=', 'enabled'], ['language=EN', 'language'], ['language=english', 'language'],
    ['language=en,,fr', 'language'], ['tag_ids=', 'tag_ids'], ['id=a,', 'id'], ['knowledge_source_id=', 'knowledge_source_id'],
  ])('refuses %s with a 400 naming the filter', async (query, param) => {
    const mock = await start();
    const res = await status(mock, `${LIST_PATHS.knowledge_articles}?${query}`);
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({ type: 'invalid_request', details: param });
  });

  it('a cursor may name an article outside the filter: the page starts at its position', async () => {
    const mock = await start();
    const all = mock.records('knowledge_articles') as KnowledgeArticleRecord[];
    const outside = all.find((a, i) => i > 10 && !a.enabled);
    if (outside === undefined) throw new Error('no disabled article');
    const page = await getJson<ListBody<KnowledgeArticleRecord>>(mock, `${LIST_PATHS.knowledge_articles}?enabled=true&cursor=${outside.id}`);
    expect(page.body.data.map((a) => a.id)).toEqual(all.filter((a) => a.enabled && a.id > outside.id).map((a) => a.id));
  });
});

describe('channels', () => {
  it.each([
    ['', 'type', /type is required/], ['?type=', 'type', /type must be custom or native/], ['?type=Custom', 'type', /custom or native/],
    ['?type=custom&type=native', 'type', /at most once/], ['?type=native&modality=chat', 'modality', /modality must be one of messaging, email, voice/],
  ])('refuses %j with a 400 naming %s', async (query, param, message) => {
    const mock = await start();
    const res = await status(mock, `${LIST_PATHS.channels}${query}`);
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({ type: 'invalid_request', details: param, message: expect.stringMatching(message) });
  });

  it('filters by modality within a type', async () => {
    const mock = await start();
    const all = mock.records('channels') as ChannelRecord[];
    for (const type of ['custom', 'native'] as const) {
      for (const modality of ['messaging', 'email', 'voice'] as const) {
        const got = (await walkList<ChannelRecord>(mock, `${LIST_PATHS.channels}?type=${type}&modality=${modality}&limit=1`)).records;
        expect(got).toEqual(all.filter((c) => c.type === type && c.modality === modality));
      }
    }
  });
});

describe('end-user lookup by external_id', () => {
  it('answers one bare end user, case-insensitively, or 404', async () => {
    const mock = await start();
    const user = (mock.records('end_users') as EndUserRecord[]).find((u) => u.external_id !== null);
    if (user?.external_id == null) throw new Error('no end user with an external_id');
    for (const form of [user.external_id, user.external_id.toUpperCase(), user.external_id.toLowerCase()]) {
      const res = await getJson<EndUserRecord>(mock, `/api/v2/end-users?external_id=${encodeURIComponent(form)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    }
    const missing = await status(mock, `${LIST_PATHS.end_users}?external_id=nobody`);
    expect(missing.status).toBe(404);
    expect(missing.error).toMatchObject({ type: 'not_found', details: 'external_id' });
  });

  it.each([
    ['external_id=x&cursor=abc', 'cursor'], ['external_id=x&limit=10', 'limit'], ['limit=10&external_id=x', 'limit'],
    ['external_id=', 'external_id'], [`external_id=${'x'.repeat(37)}`, 'external_id'], ['external_id=a&external_id=b', 'external_id'],
  ])('refuses %s with a 400 naming %s', async (query, param) => {
    const mock = await start();
    const res = await status(mock, `${LIST_PATHS.end_users}?${query}`);
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({ type: 'invalid_request', details: param });
  });
});

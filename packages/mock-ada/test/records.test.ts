import { describe, expect, it } from 'vitest';
import type { ConversationRecord, MessageRecord } from '../src/index.js';
import { conversationsOf, get, messagesOf, micros, NOW, start } from './helpers.js';

const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/;
const OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/;
const HEX24 = /^[0-9a-f]{24}$/;
const REASON_CODES_FROM_US = Date.parse('2026-10-07T00:00:00Z') * 1000;

const CONVERSATION_FIELDS = [
  '_id', 'chatter_id', 'date_created', 'date_updated', 'is_engaged', 'is_escalated', 'platform', 'metavariables', 'variables',
  'csat', 'agent_id', 'agent_name', 'browser', 'browser_version', 'device', 'is_test_user', 'language', 'oauth_channel',
  'automated_resolution_classification', 'automated_resolution_classification_reason', 'inquiry_summary', 'generated_topic_id',
  'generated_topic_label', 'end_user_id', 'agent_handle_time', 'bot_handle_time', 'record_last_updated', 'generated_topic_v2_id',
  'generated_topic_v2_title', 'generated_topic_v2_desc', 'generated_topic_v2_parent_id', 'used_coaching', 'classifications',
  'used_articles', 'used_playbooks', 'last_agent_id', 'last_agent_name', 'changeset_id', 'handoffs',
];
const MESSAGE_FIELDS = [
  '_id', 'conversation_id', 'date_created', 'answer_title', 'message_data', 'recipient', 'sender', 'review', 'chatter_id',
  'answer_id', 'link_was_clicked', 'record_last_updated', 'in_response_to',
];

function share<T>(items: T[], pred: (item: T) => boolean): number {
  return items.filter(pred).length / items.length;
}

describe('conversation records', () => {
  it('carry every documented field with realistic types, timestamps naive with microseconds', async () => {
    const mock = await start({ conversations: 1500 });
    const conversations = conversationsOf(mock);
    const keys = (o: object) => Object.keys(o).join(',');
    // One assertion over all records: per-record expect() calls would dominate the test's run time.
    const problems = conversations.flatMap((c) => {
      const checks: Array<[string, boolean]> = [
        ['documented fields in order', Object.keys(c).filter((k) => CONVERSATION_FIELDS.includes(k)).join(',') === CONVERSATION_FIELDS.join(',')],
        ['hex ids', HEX24.test(c._id) && HEX24.test(c.chatter_id)],
        ['naive timestamps', NAIVE.test(c.date_created) && NAIVE.test(c.date_updated)],
        ['created <= updated < now', micros(c.date_created) <= micros(c.date_updated) && micros(c.date_updated) < NOW * 1000],
        ['record_last_updated', c.record_last_updated === null || OFFSET.test(c.record_last_updated)],
        ['agents paired', c.agent_id.length === c.agent_name.length && c.last_agent_id === (c.agent_id.at(-1) ?? null)],
        ['agents only when escalated', c.is_escalated || c.agent_id.length === 0],
        ['handle times', typeof c.agent_handle_time === 'number' && typeof c.bot_handle_time === 'number'],
        ['used_articles', c.used_articles.every((a) => keys(a) === 'id,name,url,source')],
        ['used_playbooks', c.used_playbooks.every((p) => keys(p) === 'id,name,playbook_execution_id,outcome_status')],
        ['used_coaching', c.used_coaching.every((k) => keys(k) === 'id,entity_name,coaching_type,coaching_instructions,coaching_intent')],
        ['classifications', c.classifications.every((t) => keys(t) === 'topic_id,topic_name,intents' && t.intents.every((i) => keys(i) === 'intent_id,intent_name,status'))],
        ['changeset_id', c.changeset_id === 'baseline' || HEX24.test(c.changeset_id)],
        ['one handoff exactly when escalated', c.handoffs.length === (c.is_escalated ? 1 : 0)],
        ['handoff fields', c.handoffs.every((h) => keys(h) === 'outcome_status,reason_code,reasoning' && (h.reason_code === null) === (h.reasoning === null))],
        ['reason codes only from 2026-10-07', c.handoffs.every((h) => (h.reason_code !== null) === (micros(c.date_created) >= REASON_CODES_FROM_US))],
      ];
      return checks.filter(([, ok]) => !ok).map(([what]) => `${c._id}: ${what}`);
    });
    expect(problems.slice(0, 10)).toEqual([]);
    // Both timestamp shapes occur: with six fractional digits and, for whole seconds, none.
    expect(share(conversations, (c) => c.date_updated.includes('.'))).toBeGreaterThan(0.8);
    expect(conversations.some((c) => !c.date_created.includes('.'))).toBe(true);
    // Nullables are sometimes null and sometimes not; arrays are sometimes empty and sometimes not.
    for (const field of ['oauth_channel', 'end_user_id', 'automated_resolution_classification', 'generated_topic_label', 'last_agent_id', 'record_last_updated', 'generated_topic_v2_parent_id'] as const) {
      const nulls = share(conversations, (c) => c[field] === null);
      expect(nulls, field).toBeGreaterThan(0);
      expect(nulls, field).toBeLessThan(1);
    }
    for (const field of ['used_coaching', 'classifications', 'used_articles', 'used_playbooks', 'agent_id'] as const) {
      const empty = share(conversations, (c) => c[field].length === 0);
      expect(empty, field).toBeGreaterThan(0);
      expect(empty, field).toBeLessThan(1);
    }
    expect(conversations.some((c) => c.classifications.some((t) => t.intents.length === 0))).toBe(true);
    expect(conversations.some((c) => Object.keys(c.csat).length === 0)).toBe(true);
    expect(conversations.some((c) => typeof c.csat.score === 'number')).toBe(true);
    expect(new Set(conversations.map((c) => c._id)).size).toBe(conversations.length);
    expect(conversations.every((c) => c.metavariables.initialurl?.startsWith('https://www.acme.com/'))).toBe(true);
  });

  it('carry changeset_id, mostly baseline, and handoffs whose reason codes start on 2026-10-07', async () => {
    const mock = await start({ conversations: 1500, now: () => Date.parse('2026-11-15T00:00:00Z') });
    const conversations = conversationsOf(mock);
    const baseline = share(conversations, (c) => c.changeset_id === 'baseline');
    expect(baseline).toBeGreaterThan(0.7);
    expect(baseline).toBeLessThan(1);
    const handoffs = conversations.flatMap((c) => c.handoffs.map((h) => ({ ...h, created: c.date_created })));
    expect(handoffs.length).toBeGreaterThan(50);
    expect(handoffs.some((h) => h.reason_code === null)).toBe(true);
    expect(handoffs.some((h) => h.reason_code !== null)).toBe(true);
    for (const h of handoffs) expect(h.reason_code === null, h.created).toBe(micros(h.created) < REASON_CODES_FROM_US);
  });

  it('let a few records carry an undocumented field, unless told not to', async () => {
    const withExtras = conversationsOf(await start());
    const extras = withExtras.filter((c) => Object.keys(c).some((k) => !CONVERSATION_FIELDS.includes(k)));
    expect(extras.length).toBeGreaterThan(0);
    expect(extras.length).toBeLessThan(withExtras.length * 0.1);
    const plain = conversationsOf(await start({ undocumentedFields: false }));
    expect(plain.filter((c) => Object.keys(c).some((k) => !CONVERSATION_FIELDS.includes(k)))).toEqual([]);
    // Nothing else changes with the knob.
    expect(plain.map((c) => ({ ...c, ai_agent_version: undefined }))).toEqual(withExtras.map((c) => ({ ...c, ai_agent_version: undefined })));
  });
});

describe('message records', () => {
  it('carry every documented field, use +00:00 timestamps and belong to a conversation whose lifetime covers them', async () => {
    const mock = await start({ conversations: 1000 });
    const conversations = new Map(conversationsOf(mock).map((c) => [c._id, c]));
    const messages = messagesOf(mock);
    expect(messages.length).toBeGreaterThan(4500);
    expect(messages.length).toBeLessThan(7500);
    const problems = messages.flatMap((m) => {
      const parent = conversations.get(m.conversation_id);
      const checks: Array<[string, boolean]> = [
        ['documented fields in order', Object.keys(m).filter((k) => MESSAGE_FIELDS.includes(k)).join(',') === MESSAGE_FIELDS.join(',')],
        ['hex id', HEX24.test(m._id)],
        ['+00:00 timestamps', OFFSET.test(m.date_created) && OFFSET.test(m.record_last_updated)],
        ['loaded after created', micros(m.record_last_updated) >= micros(m.date_created)],
        ['message_data._type', typeof m.message_data._type === 'string'],
        ['integer review', Number.isInteger(m.review)],
        ['queryable parent', parent !== undefined],
        ['within the parent lifetime', parent !== undefined && micros(m.date_created) >= micros(parent.date_created) && micros(m.date_created) <= micros(parent.date_updated)],
        ['sender from the conversation', parent !== undefined && [parent.chatter_id, 'ada', ...parent.agent_id].includes(m.sender)],
      ];
      return checks.filter(([, ok]) => !ok).map(([what]) => `${m._id}: ${what}`);
    });
    expect(problems.slice(0, 10)).toEqual([]);
    const types = new Set(messages.map((m) => m.message_data._type));
    for (const t of ['greeting', 'text', 'csat_shown', 'tool_call', 'link', 'sms_consent_asked']) expect(types).toContain(t);
    // The literal string "None", not null, for generative answers and for messages that answer nothing.
    expect(messages.some((m) => m.answer_id === 'None')).toBe(true);
    expect(messages.some((m) => m.answer_id === null)).toBe(true);
    expect(messages.some((m) => m.answer_id !== null && HEX24.test(m.answer_id))).toBe(true);
    expect(messages.some((m) => m.in_response_to === 'None')).toBe(true);
    const ids = new Set(messages.map((m) => m._id));
    expect(messages.some((m) => ids.has(m.in_response_to))).toBe(true);
    expect(messages.some((m) => !m.date_created.includes('.'))).toBe(true);
    expect(share(messages, (m) => m.chatter_id === null)).toBeGreaterThan(0);
    expect(messages.some((m) => m.link_was_clicked !== null)).toBe(true);
    expect(messages.some((m) => 'delivery_status' in m)).toBe(true);
    expect(ids.size).toBe(messages.length);
  });
});

describe('determinism', () => {
  it('gives byte-identical pages for the same seed and options, and different data for another seed', async () => {
    const path = '/api/v2/export/conversations?updated_since=2026-01-01T00:00:00Z&updated_to=2026-02-01T00:00:00Z&page_size=500';
    const a = await start({ seed: 42 });
    const b = await start({ seed: 42 });
    const c = await start({ seed: 43 });
    const [ta, tb, tc] = await Promise.all([a, b, c].map(async (m) => (await get(m, path)).text()));
    expect(ta?.length).toBeGreaterThan(10_000);
    expect(tb).toBe(ta?.replaceAll(a.url, b.url));
    expect(tc).not.toBe(ta?.replaceAll(a.url, c.url));
    const messages = '/api/v2/export/messages?created_since=2026-02-01T00:00:00Z&page_size=300';
    expect(await (await get(b, messages)).text()).toBe((await (await get(a, messages)).text()).replaceAll(a.url, b.url));
  });

  it('serves records exactly as records() returns them', async () => {
    const mock = await start({ conversations: 200 });
    const res = await get(mock, '/api/v2/export/messages?created_since=2026-01-15T00:00:00Z&created_to=2026-03-01T00:00:00Z&page_size=10000');
    const body = (await res.json()) as { data: MessageRecord[] };
    const all = new Map(messagesOf(mock).map((m) => [m._id, m]));
    expect(body.data.length).toBeGreaterThan(100);
    for (const m of body.data) expect(m).toEqual(all.get(m._id));
    const conversations: ConversationRecord[] = conversationsOf(mock);
    expect(conversations.map((c) => c._id)).toEqual(mock.ids('conversations'));
  });

  it('varies the message count per conversation around the requested average', async () => {
    const mock = await start({ conversations: 2000, messagesPerConversation: 4 });
    const perConversation = new Map<string, number>();
    for (const m of messagesOf(mock)) perConversation.set(m.conversation_id, (perConversation.get(m.conversation_id) ?? 0) + 1);
    const counts = [...perConversation.values()];
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(3.5);
    expect(mean).toBeLessThan(4.5);
    expect(new Set(counts).size).toBeGreaterThan(4);
  });
});

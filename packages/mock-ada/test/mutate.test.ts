import { describe, expect, it } from 'vitest';
import type { ConversationRecord, MessageRecord } from '../src/index.js';
import { conversationsOf, DAY_MS, getJson, iso, messagesOf, micros, NOW, type PageBody, start, walk } from './helpers.js';

const C = '/api/v2/export/conversations';
const M = '/api/v2/export/messages';

function clockAt(ms: number) {
  const clock = { t: ms };
  return { clock, now: () => clock.t };
}

describe('mutate', () => {
  it('moves updated conversations to their new date_updated in the order, visible to the very next request', async () => {
    const { clock, now } = clockAt(NOW);
    const mock = await start({ now });
    const before = new Map(conversationsOf(mock).map((c) => [c._id, c]));
    clock.t = NOW + 3_600_000;
    const { updated, created } = mock.mutate({ update: 8 });
    expect(created).toEqual([]);
    expect(updated).toHaveLength(8);
    expect(new Set(updated).size).toBe(8);
    for (const id of updated) expect(before.has(id)).toBe(true);

    const fresh = await walk<ConversationRecord>(mock, `${C}?updated_since=${iso(clock.t)}&updated_to=${iso(clock.t + 1000)}&page_size=100`);
    expect(fresh.records.map((c) => c._id)).toEqual(updated);
    for (const c of fresh.records) {
      expect(c.date_updated).toBe(iso(clock.t).slice(0, -1));
      const old = before.get(c._id);
      expect(c.date_created).toBe(old?.date_created);
      expect(c.chatter_id).toBe(old?.chatter_id);
    }
    // Something a sync would care about changed in at least some of them.
    const changed = fresh.records.filter((c) => {
      const old = before.get(c._id);
      return JSON.stringify([c.csat, c.is_escalated, c.agent_id]) !== JSON.stringify([old?.csat, old?.is_escalated, old?.agent_id]);
    });
    expect(changed.length).toBeGreaterThan(0);

    // They are gone from their old place in the updated order.
    for (const id of updated) {
      const old = before.get(id);
      if (old === undefined) throw new Error('unreachable');
      const since = Math.floor(micros(old.date_updated) / 1e6) * 1000;
      const page = await getJson<PageBody<ConversationRecord>>(mock, `${C}?updated_since=${iso(since)}&updated_to=${iso(since + 1000)}&page_size=10000`);
      expect(page.body.data.map((c) => c._id)).not.toContain(id);
    }
    // The order as a whole is still (date_updated, _id).
    const ids = mock.ids('conversations');
    expect(ids.slice(-8)).toEqual(updated);
    expect(ids).toHaveLength(before.size);
  });

  it('creates conversations with messages dated now, reachable by created and updated cursors and by conversation_id', async () => {
    const { clock, now } = clockAt(NOW);
    const mock = await start({ now });
    const conversationsBefore = mock.ids('conversations').length;
    const messagesBefore = mock.ids('messages').length;
    clock.t = NOW + 60_000;
    const { created, updated } = mock.mutate({ create: 5 });
    expect(updated).toEqual([]);
    expect(created).toHaveLength(5);
    expect(mock.ids('conversations')).toHaveLength(conversationsBefore + 5);

    const window = `created_since=${iso(clock.t)}&created_to=${iso(clock.t + DAY_MS)}&page_size=100`;
    const conversations = await walk<ConversationRecord>(mock, `${C}?${window}`);
    expect(conversations.records.map((c) => c._id).sort()).toEqual([...created].sort());
    for (const c of conversations.records) {
      expect(c.date_created).toBe(iso(clock.t).slice(0, -1));
      expect(c.date_updated).toBe(c.date_created);
    }
    const messages = await walk<MessageRecord>(mock, `${M}?${window}`);
    expect(messages.records.length).toBeGreaterThanOrEqual(5);
    expect(mock.ids('messages')).toHaveLength(messagesBefore + messages.records.length);
    for (const m of messages.records) {
      expect(created).toContain(m.conversation_id);
      expect(m.date_created).toBe(`${iso(clock.t).slice(0, -1)}+00:00`);
    }
    const first = created[0] ?? '';
    const one = await walk<MessageRecord>(mock, `${M}?${window}&conversation_id=${first}`);
    expect(one.records.length).toBeGreaterThan(0);
    expect(one.records.every((m) => m.conversation_id === first)).toBe(true);
  });

  it('is deterministic for the same seed and call sequence', async () => {
    const a = await start({ seed: 5 });
    const b = await start({ seed: 5 });
    const ra = [a.mutate({ update: 10, create: 3 }), a.mutate({ update: 4 })];
    const rb = [b.mutate({ update: 10, create: 3 }), b.mutate({ update: 4 })];
    expect(rb).toEqual(ra);
    expect(conversationsOf(b)).toEqual(conversationsOf(a));
    expect(messagesOf(b)).toEqual(messagesOf(a));
  });

  it('rejects nonsense counts', async () => {
    const mock = await start();
    expect(() => mock.mutate({ update: -1 })).toThrow(RangeError);
    expect(() => mock.mutate({ create: 1.5 })).toThrow(RangeError);
  });
});

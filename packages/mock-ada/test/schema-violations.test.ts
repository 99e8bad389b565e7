import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli.js';
import { get, getJson, LIST_PATHS, start } from './helpers.js';

const CONVERSATIONS = '/api/v2/export/conversations?updated_since=2026-01-15T00:00:00Z&updated_to=2026-03-01T00:00:00Z&page_size=100';

describe('schemaViolations', () => {
  it('serves every record of the stream with the field set, and leaves the other streams byte for byte', async () => {
    const plain = await start({ seed: 5, conversations: 40 });
    const mock = await start({
      seed: 5,
      conversations: 40,
      schemaViolations: [
        { stream: 'conversations', field: 'is_engaged', value: 'yes' },
        { stream: 'conversations', field: 'not_in_ada', value: { nested: [1] } },
        { stream: 'playbooks', field: 'id', value: 42 },
      ],
    });
    const page = await getJson<{ data: Array<Record<string, unknown>>; meta: { next_page_uri: string | null } }>(mock, CONVERSATIONS);
    expect(page.status).toBe(200);
    expect(page.body.data.length).toBeGreaterThan(0);
    for (const record of page.body.data) expect(record).toMatchObject({ is_engaged: 'yes', not_in_ada: { nested: [1] } });
    // The field keeps its place; the record is otherwise as served without the option.
    const before = (await getJson<{ data: Array<Record<string, unknown>> }>(plain, CONVERSATIONS)).body.data;
    expect(Object.keys(page.body.data[0]!)).toEqual([...Object.keys(before[0]!), 'not_in_ada']);
    expect(page.body.data.map((r) => r._id)).toEqual(before.map((r) => r._id));
    expect(page.body.meta.next_page_uri).toBe(null);

    const playbooks = await getJson<{ data: Array<{ id: unknown }> }>(mock, LIST_PATHS.playbooks);
    expect(playbooks.body.data.map((p) => p.id)).toEqual(playbooks.body.data.map(() => 42));
    expect(mock.records('conversations').every((r) => (r as { is_engaged: unknown }).is_engaged === 'yes')).toBe(true);

    for (const path of [LIST_PATHS.knowledge_tags, '/api/v2/export/messages?created_since=2026-02-20T00:00:00Z&created_to=2026-03-01T00:00:00Z']) {
      const served = await (await get(mock, path)).text();
      expect(served, path).toBe((await (await get(plain, path)).text()).replaceAll(plain.url, mock.url));
    }
  });

  it('is refused for an unknown stream, an empty field or a value that is not JSON', async () => {
    await expect(start({ schemaViolations: [{ stream: 'tickets' as never, field: 'x', value: 1 }] })).rejects.toThrow(/schemaViolations must name streams/);
    await expect(start({ schemaViolations: [{ stream: 'messages', field: '', value: 1 }] })).rejects.toThrow(/non-empty field/);
    await expect(start({ schemaViolations: [{ stream: 'messages', field: 'x', value: undefined }] })).rejects.toThrow(/must be a JSON value/);
  });

  it('comes from the repeatable --schema-violation STREAM.FIELD=JSON flag', () => {
    expect(parseArgs(['--schema-violation', 'conversations.is_engaged="yes"', '--schema-violation=messages.a.b={"c":null}'])?.schemaViolations).toEqual([
      { stream: 'conversations', field: 'is_engaged', value: 'yes' },
      { stream: 'messages', field: 'a.b', value: { c: null } },
    ]);
    expect(() => parseArgs(['--schema-violation', 'tickets.x=1'])).toThrow(/expects STREAM\.FIELD=JSON/);
    expect(() => parseArgs(['--schema-violation', 'conversations.=1'])).toThrow(/expects STREAM\.FIELD=JSON/);
    expect(() => parseArgs(['--schema-violation', 'conversations.is_engaged=yes'])).toThrow(/must be JSON \(a string keeps its quotes/);
  });
});

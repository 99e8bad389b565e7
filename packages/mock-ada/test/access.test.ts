import { describe, expect, it } from 'vitest';
import { errorOf, get, getJson, LIST_PATHS, start } from './helpers.js';

const EXPORT = '/api/v2/export/conversations?updated_since=2026-02-01T00:00:00Z&page_size=100';

describe('access to the non-export APIs', () => {
  it.each(Object.entries(LIST_PATHS))('%s answers 401 with the errors body without a valid key', async (_stream, path) => {
    const mock = await start();
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
      const res = await get(mock, path, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(errorOf(await res.json())).toMatchObject({ type: 'unauthorized', details: null });
    }
  });

  it('accepts a key without the Data Export add-on everywhere but on the export endpoints', async () => {
    const mock = await start({ forbiddenApiKeys: ['no-export'] });
    const headers = { authorization: 'Bearer no-export' };
    expect((await get(mock, EXPORT, headers)).status).toBe(403);
    expect((await get(mock, '/api/v2/export/messages', headers)).status).toBe(403);
    expect((await get(mock, LIST_PATHS.knowledge_tags, headers)).status).toBe(200);
    expect((await get(mock, `${LIST_PATHS.channels}?type=custom`, headers)).status).toBe(200);
  });

  it('answers 403 on a forbidden stream, both path forms, before its parameters, and nowhere else', async () => {
    const mock = await start({ forbiddenStreams: ['playbooks', 'channels', 'messages'] });
    for (const path of ['/api/v2/playbooks/', '/api/v2/playbooks', '/api/v2/channels/', '/api/v2/export/messages']) {
      const res = await getJson<unknown>(mock, path);
      expect(res.status, path).toBe(403);
      expect(errorOf(res.body)).toMatchObject({ type: 'authorization_error', message: expect.stringMatching(/does not have access/), details: null });
    }
    expect((await get(mock, EXPORT)).status).toBe(200);
    expect((await get(mock, LIST_PATHS.custom_instructions)).status).toBe(200);
    expect((await get(mock, LIST_PATHS.playbooks, {})).status).toBe(401);
    expect(mock.stats().byEndpoint).toMatchObject({ playbooks: 3, channels: 1, messages: 1 });
    await expect(start({ forbiddenStreams: ['tickets' as never] })).rejects.toThrow(/forbiddenStreams/);
  });

  it('only serves GET on the list routes', async () => {
    const mock = await start();
    const res = await fetch(`${mock.url}${LIST_PATHS.webhooks}`, { method: 'DELETE', headers: { authorization: `Bearer ${mock.apiKey}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('injects faults on every endpoint', async () => {
    const mock = await start({ faults: { serverErrorRate: 1 } });
    for (const path of [LIST_PATHS.knowledge_articles, `${LIST_PATHS.audit_log_events}?start_date=2026-02-20T00:00:00Z`, LIST_PATHS.knowledge_sources]) {
      const res = await get(mock, path);
      expect(res.status).toBeGreaterThanOrEqual(500);
      await res.arrayBuffer();
    }
    mock.setFaults({ truncatedBodyRate: 1 });
    const text = await (await get(mock, LIST_PATHS.variables)).text();
    expect(() => JSON.parse(text)).toThrow();
    expect(mock.stats().faultsInjected).toBe(4);
  });
});

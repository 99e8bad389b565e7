import { describe, expect, it } from 'vitest';
import { type ErrorBody, get, start } from './helpers.js';

const QUERY = '/api/v2/export/conversations?updated_since=2026-02-01T00:00:00Z&page_size=100';

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}, /missing Authorization header/],
    ['a wrong key', { authorization: 'Bearer not-the-key' }, /invalid API key/],
    ['another scheme', { authorization: 'Basic dGVzdC1hcGkta2V5' }, /invalid API key/],
    ['an empty bearer token', { authorization: 'Bearer ' }, /invalid API key/],
    ['the key without a scheme', { authorization: 'test-api-key' }, /invalid API key/],
  ])('answers 401 with the errors envelope for %s', async (_name, headers: Record<string, string>, message) => {
    const mock = await start();
    const res = await get(mock, QUERY, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await res.json()) as ErrorBody;
    expect(body).toEqual({ errors: [{ type: 'unauthorized', message: expect.stringMatching(message), details: null }] });
  });

  it('accepts the configured key, with the scheme in any case', async () => {
    const mock = await start({ apiKey: 'k-123' });
    expect(mock.apiKey).toBe('k-123');
    expect((await get(mock, QUERY, { authorization: 'Bearer k-123' })).status).toBe(200);
    expect((await get(mock, QUERY, { authorization: 'bearer k-123' })).status).toBe(200);
    expect((await get(mock, QUERY, { authorization: 'Bearer test-api-key' })).status).toBe(401);
  });

  it('answers 403 to a key that may not use the Data Export API, on every endpoint, before the parameters', async () => {
    const mock = await start({ forbiddenApiKeys: ['no-export-add-on'] });
    for (const path of [QUERY, '/api/v2/export/messages', '/api/v2/export/conversations']) {
      const res = await get(mock, path, { authorization: 'Bearer no-export-add-on' });
      expect(res.status).toBe(403);
      const body = (await res.json()) as ErrorBody;
      expect(body).toEqual({ errors: [{ type: 'authorization_error', message: expect.stringMatching(/Data Export/), details: null }] });
    }
    expect((await get(mock, QUERY)).status).toBe(200);
    expect((await get(mock, QUERY, { authorization: 'Bearer another-key' })).status).toBe(401);
  });

  it('refuses a forbidden key that is also the accepted one', async () => {
    await expect(start({ apiKey: 'k', forbiddenApiKeys: ['k'] })).rejects.toThrow(/forbiddenApiKeys/);
  });

  it('checks the key before the parameters', async () => {
    const mock = await start();
    const res = await get(mock, '/api/v2/export/conversations', {});
    expect(res.status).toBe(401);
  });
});

describe('routing', () => {
  it.each([
    '/',
    '/api/v2/export/conversations/',
    '/api/v2/export/conversation',
    '/api/v2/export/users',
    '/api/v1/export/conversations',
    '/data_api/v1.4/conversations',
    '/api/v2/export/messages/123',
  ])('answers 404 with the errors envelope for %s (even when authenticated)', async (path) => {
    const mock = await start();
    const res = await get(mock, path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as ErrorBody;
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({ type: 'not_found', details: null });
  });

  it('only serves GET', async () => {
    const mock = await start();
    const res = await fetch(`${mock.url}${QUERY}`, { method: 'POST', headers: { authorization: `Bearer ${mock.apiKey}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(((await res.json()) as ErrorBody).errors[0]?.type).toBe('method_not_allowed');
  });

  it('serves on 127.0.0.1 and counts requests per endpoint and status', async () => {
    const mock = await start();
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await get(mock, QUERY);
    await get(mock, '/api/v2/export/messages?created_since=2026-02-01T00:00:00Z');
    await get(mock, '/nope');
    await get(mock, QUERY, {});
    expect(mock.stats()).toEqual({
      requests: 4,
      byEndpoint: { conversations: 2, messages: 1, unknown: 1 },
      status: { '200': 2, '404': 1, '401': 1 },
      rateLimited: 0,
      faultsInjected: 0,
    });
    mock.resetStats();
    expect(mock.stats()).toEqual({ requests: 0, byEndpoint: {}, status: {}, rateLimited: 0, faultsInjected: 0 });
  });
});

describe('server lifecycle', () => {
  it('delays every response by latencyMs', async () => {
    const mock = await start({ conversations: 10, latencyMs: 150 });
    for (const path of [QUERY, '/nope']) {
      const began = performance.now();
      await (await get(mock, path)).arrayBuffer();
      expect(performance.now() - began).toBeGreaterThanOrEqual(140);
    }
  });

  it('stops listening on close(), which may be called twice', async () => {
    const mock = await start({ conversations: 10 });
    expect((await get(mock, QUERY)).status).toBe(200);
    await mock.close();
    await mock.close();
    await expect(get(mock, QUERY)).rejects.toThrow();
  });
});

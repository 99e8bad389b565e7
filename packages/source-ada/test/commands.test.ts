import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConnector } from '@ada-airbyte/core/testing';
import type { MockAda } from '@ada-airbyte/mock-ada';
import { BIN, closedPort, command, expectValidProtocol, mockConfig, startMock } from './helpers.js';

let mock: MockAda;
beforeAll(async () => {
  mock = await startMock({ seed: 7, rateLimits: false, conversations: 50 });
});
afterAll(() => mock.close());

/** Airbyte's spec rules: no $ref/allOf/anyOf/not/if anywhere; a oneOf needs a const discriminator. */
function specViolations(node: unknown, path = '#'): string[] {
  if (node === null || typeof node !== 'object') return [];
  const out: string[] = [];
  for (const key of ['$ref', 'allOf', 'anyOf', 'not', 'if']) if (key in node) out.push(`${path} uses ${key}`);
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.oneOf)) {
    for (const [i, branch] of (o.oneOf as Record<string, unknown>[]).entries()) {
      const props = (branch.properties ?? {}) as Record<string, { const?: unknown }>;
      if (!Object.values(props).some((p) => p.const !== undefined)) out.push(`${path}/oneOf/${i} has no const discriminator`);
    }
  }
  for (const [k, v] of Object.entries(o)) out.push(...specViolations(v, `${path}/${k}`));
  return out;
}

describe('spec', () => {
  it('prints exactly one SPEC whose connectionSpecification follows Airbyte rules', async () => {
    const run = await command('spec');
    expectValidProtocol(run);
    expect(run.code).toBe(0);
    expect(run.messages.map((m) => m.type)).toEqual(['SPEC']);
    const spec = run.messages[0]!.spec!.connectionSpecification as Record<string, any>;
    expect(spec.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(specViolations(spec)).toEqual([]);
    expect(spec.required).toEqual(expect.arrayContaining(['api_key', 'handle']));
    expect(spec.properties.api_key.airbyte_secret).toBe(true);
    expect(Object.keys(spec.properties)).toEqual(
      expect.arrayContaining([
        'api_key', 'handle', 'region', 'base_url', 'start_date', 'end_date', 'lookback_window_minutes',
        'page_size', 'requests_per_second', 'requests_per_minute', 'requests_per_day',
      ]),
    );
    expect(spec.properties.region.enum).toEqual(['us', 'eu', 'maple']);
    expect(spec.properties.page_size).toMatchObject({ minimum: 100, maximum: 10000, default: 10000 });
    // It is a valid draft-07 schema that accepts a minimal config and rejects a bad one.
    const validate = new Ajv({ strict: false, logger: false }).compile(spec);
    expect(validate({ api_key: 'test-key-000', handle: 'acme' })).toBe(true);
    expect(validate({ api_key: 'test-key-000', handle: 'acme', page_size: 50 })).toBe(false);
  });

  it('accepts --debug and does not depend on the working directory', async () => {
    const run = await runConnector(BIN, ['spec', '--debug'], { cwd: '/' });
    expectValidProtocol(run);
    expect(run.messages.filter((m) => m.type === 'SPEC')).toHaveLength(1);
  });
});

describe('check', () => {
  const status = (run: Awaited<ReturnType<typeof command>>) => {
    expectValidProtocol(run);
    expect(run.code).toBe(0);
    const statuses = run.messages.filter((m) => m.type === 'CONNECTION_STATUS');
    expect(statuses).toHaveLength(1);
    return statuses[0]!.connectionStatus!;
  };

  it('succeeds only after an authenticated request to the export API', async () => {
    mock.resetStats();
    expect(status(await command('check', mockConfig(mock)))).toEqual({ status: 'SUCCEEDED' });
    expect(mock.stats().byEndpoint.conversations ?? 0).toBeGreaterThanOrEqual(1);
  });

  it('warns about a config field it does not know, naming the one it probably meant, and still succeeds', async () => {
    const run = await command('check', { ...mockConfig(mock), pagesize: 500, 'Max-Retries': 2, colour: 'blue' });
    expectValidProtocol(run);
    expect(run.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus!.status).toBe('SUCCEEDED');
    const warnings = run.messages.filter((m) => m.type === 'LOG' && m.log!.level === 'WARN').map((m) => m.log!.message);
    expect(warnings).toEqual([
      'The config field "pagesize" is not one source-ada knows and is ignored (did you mean "page_size"?).',
      'The config field "Max-Retries" is not one source-ada knows and is ignored (did you mean "max_retries"?).',
      'The config field "colour" is not one source-ada knows and is ignored.',
    ]);
  });

  it('fails on a wrong key with a sentence about api_key, never echoing the key', async () => {
    const run = await command('check', mockConfig(mock, { api_key: 'wrong-key-1234567' }));
    const s = status(run);
    expect(s.status).toBe('FAILED');
    expect(s.message).toMatch(/api_key/);
    expect(run.lines.join('\n')).not.toContain('wrong-key-1234567');
  });

  it('fails on an unknown handle (host does not resolve) naming handle and region', async () => {
    const s = status(await command('check', { api_key: 'test-key-000', handle: 'no-such-agent-zz' }));
    expect(s.status).toBe('FAILED');
    expect(s.message).toMatch(/handle "no-such-agent-zz"/);
  });

  it('fails on an unreachable host naming base_url', async () => {
    const port = await closedPort();
    const s = status(await command('check', mockConfig(mock, { base_url: `http://127.0.0.1:${port}` })));
    expect(s.status).toBe('FAILED');
    expect(s.message).toMatch(/base_url/);
  });

  it.each([
    [{ handle: 'acme' }, /"api_key" is required/],
    [{ api_key: 'test-key-000' }, /"handle" is required/],
    [{ api_key: 'test-key-000', handle: 'acme', page_size: 99 }, /"page_size".*100 to 10000/],
    [{ api_key: 'test-key-000', handle: 'acme', page_size: 100.5 }, /"page_size"/],
    [{ api_key: 'test-key-000', handle: 'acme', region: 'mars' }, /"region".*us, eu, maple/],
    [{ api_key: 'test-key-000', handle: 'acme', start_date: '2026-13-01' }, /"start_date".*RFC 3339/],
    [{ api_key: 'test-key-000', handle: 'acme', start_date: '2026-01-01T00:00:00+02:00' }, /"start_date"/],
    [{ api_key: 'test-key-000', handle: 'acme', end_date: 'yesterday' }, /"end_date"/],
    [{ api_key: 'test-key-000', handle: 'acme', start_date: '2026-05-01T00:00:00Z', end_date: '2026-04-01T00:00:00Z' }, /"end_date" must be later/],
    [{ api_key: 'test-key-000', handle: 'acme', lookback_window_minutes: -1 }, /"lookback_window_minutes"/],
    [{ api_key: 'test-key-000', handle: 'acme', requests_per_second: 0 }, /"requests_per_second".*> 0/],
    [{ api_key: 'test-key-000', handle: 'acme', requests_per_minute: -5 }, /"requests_per_minute"/],
    [{ api_key: 'test-key-000', handle: 'acme', requests_per_day: 'many' }, /"requests_per_day"/],
    [{ api_key: 'test-key-000', handle: 'acme', base_url: 'http://example.com' }, /plain http only for loopback/],
    [{ api_key: 'test-key-000', handle: 'acme', base_url: 'https://example.com/api' }, /scheme and host only/],
    [{ api_key: 'test-key-000', handle: 'acme', base_url: 'not a url' }, /"base_url"/],
    [{ api_key: 'test-key-000', handle: 'bad handle!' }, /"handle"/],
    ['{not json', /not valid JSON/],
    [[1, 2], /JSON object/],
  ])('rejects bad config %j with one sentence', async (config, pattern) => {
    const s = status(await command('check', config as Record<string, unknown>));
    expect(s.status).toBe('FAILED');
    expect(s.message).toMatch(pattern);
    expect(s.message).not.toMatch(/\n\s+at /);
  });

  it('reports a missing config file', async () => {
    const run = await runConnector(BIN, ['check', '--config', '/nonexistent/config.json']);
    expect(status(run).message).toMatch(/config file \/nonexistent\/config.json does not exist/);
  });
});

describe('discover', () => {
  it('prints one CATALOG with the export streams first, their cursors and primary keys', async () => {
    const run = await command('discover', mockConfig(mock));
    expectValidProtocol(run);
    expect(run.code).toBe(0);
    expect(run.messages.map((m) => m.type)).toEqual(['CATALOG']);
    const streams = run.messages[0]!.catalog!.streams.slice(0, 2);
    expect(streams.map((s) => s.name)).toEqual(['conversations', 'messages']);
    for (const s of streams) {
      expect(s.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
      expect(s.source_defined_cursor).toBe(true);
      expect(s.source_defined_primary_key).toEqual([['_id']]);
      expect((s.json_schema as { additionalProperties: unknown }).additionalProperties).toBe(true);
    }
    expect(streams[0]!.default_cursor_field).toEqual(['date_updated']);
    expect(streams[1]!.default_cursor_field).toEqual(['date_created']);
  });

  it('lists every documented field with its type', async () => {
    const run = await command('discover', mockConfig(mock));
    const [conversations, messages] = run.messages[0]!.catalog!.streams as unknown as { json_schema: { properties: Record<string, { type: string[]; format?: string }> } }[];
    const c = conversations!.json_schema.properties;
    for (const f of ['_id', 'chatter_id', 'date_created', 'date_updated', 'is_engaged', 'is_escalated', 'platform', 'metavariables', 'variables', 'csat',
      'agent_id', 'agent_name', 'browser', 'browser_version', 'device', 'is_test_user', 'language', 'oauth_channel',
      'automated_resolution_classification', 'automated_resolution_classification_reason', 'inquiry_summary', 'generated_topic_id',
      'generated_topic_label', 'end_user_id', 'agent_handle_time', 'bot_handle_time', 'record_last_updated', 'generated_topic_v2_id',
      'generated_topic_v2_title', 'generated_topic_v2_desc', 'generated_topic_v2_parent_id', 'used_coaching', 'classifications',
      'used_articles', 'used_playbooks', 'last_agent_id', 'last_agent_name', 'changeset_id', 'handoffs']) {
      expect(c, f).toHaveProperty(f);
    }
    expect(c.date_updated!.format).toBe('date-time');
    expect(c.agent_handle_time!.type).toContain('number');
    expect(c.agent_id!.type).toContain('array');
    const m = messages!.json_schema.properties;
    for (const f of ['_id', 'conversation_id', 'date_created', 'answer_title', 'message_data', 'recipient', 'sender', 'review', 'chatter_id',
      'answer_id', 'link_was_clicked', 'record_last_updated', 'in_response_to']) {
      expect(m, f).toHaveProperty(f);
    }
    expect(m.review!.type).toContain('integer');
  });

  it('fails with a config_error TRACE on a bad config', async () => {
    const run = await command('discover', { api_key: 'test-key-000' });
    expectValidProtocol(run);
    expect(run.code).not.toBe(0);
    const errors = run.messages.filter((m) => m.type === 'TRACE' && m.trace!.type === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.trace!.error!.failure_type).toBe('config_error');
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockAda, startMockAda, STREAMS, type Stream } from '@ada-airbyte/mock-ada';

// ajv-formats is a dependency of @ada-airbyte/core, not of this package: load it from there.
const fromCore = createRequire(createRequire(import.meta.url).resolve('@ada-airbyte/core'));
const formats = fromCore('ajv-formats') as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
const addFormats = formats.default ?? formats;

const PRIMARY_KEYS: Record<Stream, string> = {
  conversations: '_id', messages: '_id', knowledge_articles: 'id', knowledge_sources: 'id', knowledge_tags: 'id',
  end_users: 'end_user_id', platform_integrations: 'id', audit_log_events: 'id', webhooks: 'id', webhook_event_types: 'name',
  channels: 'id', variables: 'id', custom_instructions: 'id', playbooks: 'id',
};

type Row = Record<string, unknown>;
type Schema = { required: string[]; properties: Record<string, { type: string | string[]; format?: string }> };

function schemaOf(stream: Stream): Schema {
  return JSON.parse(readFileSync(new URL(`../resources/schemas/${stream}.json`, import.meta.url), 'utf8')) as Schema;
}

function dateFields(schema: Schema): string[] {
  return Object.entries(schema.properties).filter(([, p]) => p.format === 'date-time').map(([name]) => name);
}

/**
 * What the connector writes: every date-time in UTC ending in `Z`, fraction kept. Ada sends
 * naive (conversations), `+00:00` (most lists) or `Z` (webhooks, via Svix) timestamps.
 */
function toZ(value: string): string {
  if (value.endsWith('Z')) return value;
  if (value.endsWith('+00:00')) return `${value.slice(0, -6)}Z`;
  if (/T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  throw new Error(`unexpected timestamp ${value}`);
}

/** Only a naive timestamp needs the connector before it is RFC 3339; anything else is checked as Ada sends it. */
function zoneNaive(value: string): string {
  return /T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value) ? `${value}Z` : value;
}

function rewrite(record: Row, fields: string[], fix: (v: string) => string): Row {
  const out = { ...record };
  for (const f of fields) if (typeof out[f] === 'string') out[f] = fix(out[f] as string);
  return out;
}

let mock: MockAda;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const validators = new Map<Stream, ValidateFunction>();

beforeAll(async () => {
  // After 2026-10-07, so that handoffs both with and without reason codes occur.
  mock = await startMockAda({ seed: 3, conversations: 300, now: () => Date.parse('2026-11-20T12:00:00Z'), rateLimits: false, undocumentedFields: false });
  for (const stream of STREAMS) validators.set(stream, ajv.compile(schemaOf(stream)));
});
afterAll(() => mock.close());

function problems(stream: Stream, records: Row[]): string[] {
  const validate = validators.get(stream);
  if (validate === undefined) throw new Error(`no validator for ${stream}`);
  return records.flatMap((r) => (validate(r) ? [] : (validate.errors ?? []).map((e) => `${String(r[PRIMARY_KEYS[stream]])}${e.instancePath} ${e.message ?? ''}`)));
}

describe('stream schemas', () => {
  it('cover all 14 streams, with only the primary key required and every other field nullable', () => {
    expect(STREAMS).toHaveLength(14);
    for (const stream of STREAMS) {
      const schema = schemaOf(stream);
      expect(schema.required, stream).toEqual([PRIMARY_KEYS[stream]]);
      for (const [name, p] of Object.entries(schema.properties)) {
        if (name === PRIMARY_KEYS[stream]) expect(p.type, `${stream}.${name}`).toBe('string');
        else expect(p.type, `${stream}.${name}`).toContain('null');
      }
    }
  });

  it.each(STREAMS)('%s: every record the mock serves validates, as Ada sends it and as the connector writes it', (stream) => {
    const records = mock.records(stream) as Row[];
    expect(records.length, stream).toBeGreaterThan(0);
    const fields = dateFields(schemaOf(stream));
    expect(problems(stream, records.map((r) => rewrite(r, fields, zoneNaive))).slice(0, 10)).toEqual([]);
    expect(problems(stream, records.map((r) => rewrite(r, fields, toZ))).slice(0, 10)).toEqual([]);
  });

  it.each(STREAMS)('%s: the schema declares every top-level field the mock serves', (stream) => {
    const declared = new Set(Object.keys(schemaOf(stream).properties));
    const served = new Set((mock.records(stream) as Row[]).flatMap((r) => Object.keys(r)));
    expect([...served].filter((f) => !declared.has(f))).toEqual([]);
  });

  it('conversations carry changeset_id and handoffs that the schema types', () => {
    const conversations = mock.records('conversations') as Array<{ changeset_id: string; handoffs: Array<{ reason_code: string | null }> }>;
    expect(conversations.some((c) => c.changeset_id === 'baseline')).toBe(true);
    const handoffs = conversations.flatMap((c) => c.handoffs);
    expect(handoffs.some((h) => h.reason_code === null)).toBe(true);
    expect(handoffs.some((h) => h.reason_code !== null)).toBe(true);
  });

  it('reject what they should: a missing key, a wrong type, a timestamp without a zone', () => {
    const article = (mock.records('knowledge_articles') as Row[])[0] ?? {};
    expect(problems('knowledge_articles', [{ ...article, id: undefined }])).not.toEqual([]);
    expect(problems('knowledge_articles', [{ ...article, enabled: 'yes' }])).not.toEqual([]);
    expect(problems('knowledge_articles', [{ ...article, updated: '2026-11-01T10:00:00' }])).not.toEqual([]);
    expect(problems('knowledge_articles', [{ ...article, updated: '2026-11-01T10:00:00.123456+00:00', extra_field: 1 }])).toEqual([]);
  });
});

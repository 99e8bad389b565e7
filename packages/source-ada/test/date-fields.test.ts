import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsOf } from '@ada-airbyte/core/testing';
import type { MockAda } from '@ada-airbyte/mock-ada';
import { catalog, command, mockConfig, read, startMock } from './helpers.js';

// Airbyte's connector form shows a date-time picker for `format: date-time` fields and sends what
// it picked as `YYYY-MM-DDTHH:mm:ssZ`; configs written by hand or by other tools often leave the zone
// out. Both must work, and a zone-less value means UTC whatever the machine's time zone.

let mock: MockAda;
beforeAll(async () => {
  mock = await startMock({ seed: 5, rateLimits: false, conversations: 120, historyDays: 40 });
});
afterAll(() => mock.close());

describe('start_date and end_date', () => {
  it('are date-time fields of the spec that take the picker\'s YYYY-MM-DDTHH:mm:ssZ', async () => {
    const run = await command('spec');
    const spec = run.messages[0]!.spec!.connectionSpecification as { properties: Record<string, Record<string, unknown>> };
    const accepts = new Ajv({ strict: false }).compile(spec);
    for (const field of ['start_date', 'end_date']) {
      expect(spec.properties[field]).toMatchObject({ type: 'string', format: 'date-time', pattern_descriptor: 'YYYY-MM-DDTHH:mm:ssZ' });
      for (const value of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00.250Z']) {
        expect(accepts({ api_key: 'k', handle: 'acme', [field]: value }), `${field} = ${value}`).toBe(true);
      }
      expect(accepts({ api_key: 'k', handle: 'acme', [field]: '2026-01-01T00:00:00+02:00' })).toBe(false);
      expect(accepts({ api_key: 'k', handle: 'acme', [field]: '2026-01-01' })).toBe(false);
    }
  });

  it('accept a value without a zone in check', async () => {
    const run = await command('check', mockConfig(mock, { start_date: '2026-01-01T00:00:00', end_date: '2099-01-01T00:00:00' }));
    expect(run.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus).toEqual({ status: 'SUCCEEDED' });
  });

  it('read a value without a zone as UTC, even where the local time zone is not UTC', async () => {
    const records = mock.records('conversations') as { _id: string; date_updated: string }[];
    const dates = records.map((r) => r.date_updated.slice(0, 19)).sort();
    const cut = dates[Math.floor(dates.length / 2)]!; // YYYY-MM-DDTHH:mm:ss
    const env = { ...process.env, TZ: 'America/Los_Angeles' };
    const zoneless = await read({ config: mockConfig(mock, { end_date: cut }), catalog: catalog('full_refresh', ['conversations']) }, { env });
    const utc = await read({ config: mockConfig(mock, { end_date: `${cut}Z` }), catalog: catalog('full_refresh', ['conversations']) }, { env });
    expect(zoneless.code).toBe(0);
    expect(utc.code).toBe(0);
    const ids = (run: typeof utc) => recordsOf(run, 'conversations').map((r) => String(r._id)).sort();
    const expected = records.filter((r) => r.date_updated.slice(0, 19) < cut).map((r) => r._id).sort();
    expect(ids(utc)).toEqual(expected);
    expect(ids(zoneless)).toEqual(expected);
  });
});

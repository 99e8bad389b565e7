import { describe, expect, it } from 'vitest';
import { type ErrorBody, getJson, start } from './helpers.js';

const C = '/api/v2/export/conversations';
const M = '/api/v2/export/messages';

/** [description, path with query, param named in `details`, message pattern] */
const BAD: Array<[string, string, string | null, RegExp]> = [
  ['neither *_since on conversations', `${C}?page_size=100`, null, /exactly one of created_since or updated_since is required/],
  ['both *_since on conversations', `${C}?created_since=2026-02-01T00:00:00Z&updated_since=2026-02-01T00:00:00Z`, 'created_since', /mutually exclusive/],
  ['no created_since on messages', `${M}?page_size=100`, 'created_since', /created_since is required/],
  ['updated_since on messages', `${M}?updated_since=2026-02-01T00:00:00Z`, 'updated_since', /not supported by the messages export/],
  ['updated_to on messages', `${M}?created_since=2026-02-01T00:00:00Z&updated_to=2026-02-02T00:00:00Z`, 'updated_to', /not supported by the messages export/],
  ['created_to without created_since', `${C}?updated_since=2026-02-01T00:00:00Z&created_to=2026-02-02T00:00:00Z`, 'created_to', /created_to requires created_since/],
  ['updated_to without updated_since', `${C}?created_since=2026-02-01T00:00:00Z&updated_to=2026-02-02T00:00:00Z`, 'updated_to', /updated_to requires updated_since/],
  ['created_to alone on messages', `${M}?created_to=2026-02-02T00:00:00Z`, 'created_to', /created_to requires created_since/],
  ['*_to equal to *_since', `${C}?updated_since=2026-02-01T00:00:00Z&updated_to=2026-02-01T00:00:00Z`, 'updated_to', /updated_to must be later than updated_since/],
  ['*_to before *_since', `${M}?created_since=2026-02-01T00:00:00Z&created_to=2026-01-31T23:59:59Z`, 'created_to', /created_to must be later than created_since/],
  ['a range of 60 days and 1 second', `${C}?updated_since=2026-01-01T00:00:00Z&updated_to=2026-03-02T00:00:01Z`, 'updated_to', /must not exceed 60 days/],
  ['a range of 61 days on messages', `${M}?created_since=2025-12-01T00:00:00Z&created_to=2026-01-31T00:00:00Z`, 'created_to', /must not exceed 60 days/],
  ['a since one second older than 12 months', `${C}?created_since=2025-03-01T09:59:59Z&created_to=2025-03-10T00:00:00Z`, 'created_since', /within the last 12 months \(earliest allowed: 2025-03-01T10:00:00Z\)/],
  ['a since two years back', `${M}?created_since=2024-02-01T00:00:00Z`, 'created_since', /within the last 12 months/],
  ['page_size 99', `${C}?updated_since=2026-02-01T00:00:00Z&page_size=99`, 'page_size', /page_size must be an integer from 100 to 10000/],
  ['page_size 10001', `${C}?updated_since=2026-02-01T00:00:00Z&page_size=10001`, 'page_size', /page_size must be an integer/],
  ['page_size 0', `${M}?created_since=2026-02-01T00:00:00Z&page_size=0`, 'page_size', /page_size must be an integer/],
  ['page_size -100', `${M}?created_since=2026-02-01T00:00:00Z&page_size=-100`, 'page_size', /page_size must be an integer/],
  ['page_size 100.0', `${M}?created_since=2026-02-01T00:00:00Z&page_size=100.0`, 'page_size', /page_size must be an integer/],
  ['page_size 1e3', `${M}?created_since=2026-02-01T00:00:00Z&page_size=1e3`, 'page_size', /page_size must be an integer/],
  ['page_size abc', `${M}?created_since=2026-02-01T00:00:00Z&page_size=abc`, 'page_size', /page_size must be an integer/],
  ['an empty page_size', `${M}?created_since=2026-02-01T00:00:00Z&page_size=`, 'page_size', /page_size must be an integer/],
  ['a repeated parameter', `${C}?updated_since=2026-02-01T00:00:00Z&updated_since=2026-02-02T00:00:00Z`, 'updated_since', /must be given at most once/],
  ['an empty conversation_id', `${M}?created_since=2026-02-01T00:00:00Z&conversation_id=`, 'conversation_id', /conversation_id must not be empty/],
];

const BAD_TIMESTAMPS = [
  '2026-02-01T00:00:00.000Z',
  '2026-02-01T00:00:00.123456Z',
  '2026-02-01T00:00:00+00:00',
  '2026-02-01T00:00:00%2B00:00',
  '2026-02-01T00:00:00-05:00',
  '2026-02-01T00:00:00',
  '2026-02-01T00:00Z',
  '2026-02-01',
  '2026-02-01 00:00:00Z',
  '2026-02-01T00:00:00z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-02-01T24:00:00Z',
  '2026-02-01T00:60:00Z',
  '2026-02-01T00:00:60Z',
  '1769904000',
  '',
];

describe('400 Invalid request', () => {
  it.each(BAD)('rejects %s', async (_name, path, param, message) => {
    const mock = await start();
    const res = await getJson<ErrorBody>(mock, path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ errors: [{ type: 'invalid_request', message: expect.stringMatching(message), details: param }] });
  });

  it.each(BAD_TIMESTAMPS)('rejects the timestamp %j in every position', async (ts) => {
    const mock = await start();
    const cases: Array<[string, string]> = [
      [`${C}?updated_since=${ts}`, 'updated_since'],
      [`${C}?created_since=2026-01-20T00:00:00Z&created_to=${ts}`, 'created_to'],
      [`${M}?created_since=${ts}&page_size=100`, 'created_since'],
      [`${M}?created_since=2026-01-20T00:00:00Z&created_to=${ts}`, 'created_to'],
    ];
    for (const [path, param] of cases) {
      const res = await getJson<ErrorBody>(mock, path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors[0]?.details).toBe(param);
      expect(res.body.errors[0]?.message).toMatch(new RegExp(`^${param} must be a UTC timestamp formatted YYYY-MM-DDTHH:MM:SSZ`));
    }
  });
});

describe('accepted edge values', () => {
  it.each([
    ['exactly 60 days', `${C}?updated_since=2026-01-01T00:00:00Z&updated_to=2026-03-02T00:00:00Z`],
    ['a since exactly 12 months back', `${C}?created_since=2025-03-01T10:00:00Z&created_to=2025-03-02T00:00:00Z`],
    ['page_size 100', `${M}?created_since=2026-02-01T00:00:00Z&page_size=100`],
    ['page_size 10000', `${M}?created_since=2026-02-01T00:00:00Z&page_size=10000`],
    ['a *_to in the future', `${C}?updated_since=2026-02-27T00:00:00Z&updated_to=2026-04-01T00:00:00Z`],
    ['unknown parameters', `${C}?updated_since=2026-02-01T00:00:00Z&cursor=abc&foo=bar&page_size=100`],
    ['conversation_id on conversations (not a parameter there, so ignored)', `${C}?updated_since=2026-02-01T00:00:00Z&conversation_id=`],
    ['an unknown conversation_id', `${M}?created_since=2026-02-01T00:00:00Z&conversation_id=nope`],
  ])('accepts %s', async (_name, path) => {
    const mock = await start();
    const res = await getJson<{ data: unknown[] }>(mock, path);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.data)).toBe(true);
  });

  it('applies the 12-month rule to the server clock, clamping 29 February to 28 February', async () => {
    const mock = await start({ now: () => Date.parse('2028-02-29T12:00:00Z') });
    const ok = await getJson<ErrorBody>(mock, `${M}?created_since=2027-02-28T12:00:00Z`);
    expect(ok.status).toBe(200);
    const old = await getJson<ErrorBody>(mock, `${M}?created_since=2027-02-28T11:59:59Z`);
    expect(old.status).toBe(400);
    expect(old.body.errors[0]?.message).toContain('earliest allowed: 2027-02-28T12:00:00Z');
  });

  it('moves the 12-month limit with the clock', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const mock = await start({ now: () => now });
    const path = `${C}?updated_since=2025-03-01T10:00:00Z&updated_to=2025-03-05T00:00:00Z`;
    expect((await getJson(mock, path)).status).toBe(200);
    now += 1000;
    expect((await getJson(mock, path)).status).toBe(400);
  });

  it('rounds a fractional-second clock up to the first whole second it allows', async () => {
    const mock = await start({ now: () => Date.parse('2026-03-01T10:00:00.250Z') });
    expect((await getJson(mock, `${M}?created_since=2025-03-01T10:00:00Z`)).status).toBe(400);
    expect((await getJson(mock, `${M}?created_since=2025-03-01T10:00:01Z`)).status).toBe(200);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockAda, type MockAdaOptions, startMockAda } from '@ada-airbyte/mock-ada';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from '@ada-airbyte/core/testing';
import { type ValidationReport, formatReport } from '../src/validate/report.js';
import { compileSchema } from '../src/validate/schemas.js';
import { APP_DIR, FAKE_SOURCE_COMMAND, Workspace, makeWorld, runCli } from './helpers.js';

const SCRIPTED_SOURCE = `${process.execPath} ${join(APP_DIR, 'test', 'fixtures', 'scripted-source.mjs')}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ada-sync-validate-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let configs = 0;
function configFile(config: unknown): string {
  const path = join(dir, `config-${++configs}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function report(stdout: string): ValidationReport {
  return JSON.parse(stdout) as ValidationReport;
}

function stepOf(r: ValidationReport, name: string) {
  return r.steps.find((s) => s.step === name)!;
}

function streamOf(r: ValidationReport, name: string) {
  return r.streams.find((s) => s.stream === name)!;
}

/** source-ada's config for a mock, paced only by the mock's own limits. */
function adaConfig(mock: MockAda): string {
  return configFile({
    api_key: mock.apiKey,
    handle: 'acme',
    base_url: mock.url,
    page_size: 100,
    requests_per_second: 10_000,
    requests_per_minute: 1_000_000,
    requests_per_day: 100_000_000,
  });
}

describe('ada-sync validate against source-ada and mock-ada', () => {
  const mocks: MockAda[] = [];
  const mockAda = async (options: MockAdaOptions = {}) => {
    const mock = await startMockAda({ seed: 11, conversations: 150, historyDays: 20, now: () => Date.now() - 1000, ...options });
    mocks.push(mock);
    return mock;
  };
  afterAll(() => Promise.all(mocks.map((m) => m.close())));

  it('passes: spec, config, check, discover and a small read of every stream', async () => {
    const mock = await mockAda();
    const run = await runCli(['validate', '--config', adaConfig(mock), '--json', '--max-records', '150'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r.status).toBe('passed');
    expect(r.source).toBe('source-ada');
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['spec', 'passed'],
      ['config', 'passed'],
      ['check', 'passed'],
      ['discover', 'passed'],
      ['read', 'passed'],
    ]);
    expect(r.streams.length).toBeGreaterThanOrEqual(2);
    for (const stream of r.streams) {
      expect(stream, stream.stream).toMatchObject({ status: 'passed', invalid_records: 0, problems: [] });
      expect(stream.states, stream.stream).toBeGreaterThan(0);
    }
    // Every record mock-ada has for these streams was read, or the stream was cut at --max-records.
    expect(streamOf(r, 'conversations').records).toBeGreaterThanOrEqual(Math.min(150, mock.ids('conversations').length));
  });

  it('reports a stream the source skips (an API the account lacks) as SKIP with its reason, and passes', async () => {
    const mock = await mockAda({ auditLog: false });
    const run = await runCli(['validate', '--config', adaConfig(mock), '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r.status).toBe('passed');
    expect(streamOf(r, 'audit_log_events')).toMatchObject({
      status: 'skipped',
      ended: 'INCOMPLETE',
      records: 0,
      problems: [],
      reason: expect.stringMatching(/^audit_log_events: skipped\. .*404/),
    });
    expect(r.streams.filter((s) => s.stream !== 'audit_log_events').every((s) => s.status === 'passed')).toBe(true);
    expect(stepOf(r, 'read')).toMatchObject({ status: 'passed', detail: expect.stringMatching(/; 1 skipped by the source$/) });
    const table = formatReport(r);
    expect(table).toMatch(/^\s+audit_log_events\s+0\s+0\s+SKIP\s+audit_log_events: skipped\. /m);
    expect(table).toMatch(/^Validation passed in .*\(skipped by the source: audit_log_events\)\.$/m);
  });

  it('fails, naming the field, when mock-ada serves records that break their schema', async () => {
    const mock = await mockAda({ schemaViolations: [{ stream: 'conversations', field: 'is_engaged', value: 'yes' }] });
    const run = await runCli(['validate', '--config', adaConfig(mock), '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const r = report(run.stdout);
    expect(r.status).toBe('failed');
    const conversations = streamOf(r, 'conversations');
    expect(conversations).toMatchObject({ status: 'failed' });
    expect(conversations.invalid_records).toBe(conversations.records);
    expect(conversations.problems[0]).toBe('record 1: field "is_engaged" must be null or boolean (got a string)');
    expect(formatReport(r)).toMatch(/^\s+conversations\s+[\d,]+\s+\d+\s+FAIL\s+record 1: field "is_engaged" must be null or boolean \(got a string\)$/m);
    for (const stream of r.streams.filter((s) => s.stream !== 'conversations')) expect(stream.status, stream.stream).toBe('passed');
    expect(r.steps.filter((s) => s.step !== 'read').every((s) => s.status === 'passed')).toBe(true);
  });
});

describe('ada-sync validate with a source that breaks its schema', () => {
  let ws: Workspace;
  beforeAll(() => {
    const world = makeWorld(30, 2);
    world.streams.conversations[7]!.csat = 'five';
    world.streams.messages[3]!.sender = 42;
    ws = new Workspace(world);
  });
  afterAll(() => ws.cleanup());

  it('fails and names the field, in the table and in --json', async () => {
    const text = await runCli(['validate', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--quiet'], { cwd: ws.dir });
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('');
    const row = (stream: string) => text.stdout.split('\n').find((l) => l.trim().startsWith(stream))!;
    expect(row('conversations')).toMatch(/FAIL\s+record 8: field "csat" must be null or integer \(got a string\)/);
    expect(row('messages')).toMatch(/FAIL\s+record 4: field "sender" must be null or string \(got an integer\)/);
    expect(text.stdout).toMatch(/^Validation failed in .*: stream conversations, stream messages\.$/m);

    const json = await runCli(['validate', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, '--json'], { cwd: ws.dir });
    expect(json.code).toBe(1);
    const r = report(json.stdout);
    expect(r.status).toBe('failed');
    expect(streamOf(r, 'conversations')).toMatchObject({ status: 'failed', records: 30, invalid_records: 1, ended: 'COMPLETE' });
    expect(streamOf(r, 'conversations').problems).toEqual(['record 8: field "csat" must be null or integer (got a string)']);
    expect(streamOf(r, 'messages')).toMatchObject({ status: 'failed', records: 60, invalid_records: 1 });
    // Everything before the read passed.
    expect(r.steps.filter((s) => s.step !== 'read').every((s) => s.status === 'passed')).toBe(true);
  });
});

const SCHEMA = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] };
const stream = (name: string) => ({ name, json_schema: SCHEMA, supported_sync_modes: ['full_refresh'] });
const CATALOG = { streams: [stream('alpha'), stream('beta')] };
const record = (name: string, id: number) => ({ type: 'RECORD', record: { stream: name, data: { id } } });
const state = (name: string, recordCount?: number) => ({
  type: 'STATE',
  state: {
    type: 'STREAM',
    stream: { stream_descriptor: { name }, stream_state: { position: 1 } },
    ...(recordCount === undefined ? {} : { sourceStats: { recordCount } }),
  },
});
const status = (name: string, s: string) => ({ type: 'TRACE', trace: { type: 'STREAM_STATUS', stream_status: { stream_descriptor: { name }, status: s } } });
const warn = (message: string) => ({ type: 'LOG', log: { level: 'WARN', message } });
const streamError = (name: string) => ({
  type: 'TRACE',
  trace: { type: 'ERROR', error: { message: `${name} broke.`, failure_type: 'system_error', stream_descriptor: { name } } },
});
/** A stream read as the protocol wants it. */
const good = (name: string, records = 2) => [
  status(name, 'STARTED'),
  ...Array.from({ length: records }, (_, i) => record(name, i)),
  state(name, records),
  status(name, 'COMPLETE'),
];

describe('ada-sync validate checks states and stream statuses', () => {
  const validate = (config: Record<string, unknown>, extra: string[] = []) =>
    runCli(['validate', '--config', configFile({ catalog: CATALOG, ...config }), '--source-command', SCRIPTED_SOURCE, '--json', ...extra], { cwd: dir });

  it('passes a source that follows the protocol', async () => {
    const run = await validate({ read: [...good('alpha'), ...good('beta', 0)] });
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r.status).toBe('passed');
    expect(r.streams.map((s) => [s.stream, s.status, s.records, s.states, s.ended])).toEqual([
      ['alpha', 'passed', 2, 1, 'COMPLETE'],
      ['beta', 'passed', 0, 1, 'COMPLETE'],
    ]);
    // --streams reads only those: beta's status would come for a stream not in the configured catalog.
    const only = await validate({ read: [...good('alpha')] }, ['--streams', 'alpha']);
    expect(only.code).toBe(0);
    expect(report(only.stdout).streams.map((s) => s.stream)).toEqual(['alpha']);
  });

  // One stream per broken rule, all in one read: each problem must land on the stream that broke it.
  const broken: [rule: string, stream: string, messages: object[], problem: RegExp][] = [
    ['records after the last STATE', 's1', [status('s1', 'STARTED'), record('s1', 1), state('s1', 1), record('s1', 2), status('s1', 'COMPLETE')], /^1 records came after the stream's last STATE/],
    ['a STATE whose recordCount is wrong', 's2', [status('s2', 'STARTED'), record('s2', 1), record('s2', 2), state('s2', 3), status('s2', 'COMPLETE')], /^STATE 1 says 3 records since the previous one, but 2 were sent$/],
    ['a record after COMPLETE', 's3', [...good('s3'), record('s3', 9)], /^record 3 came after the stream's COMPLETE status$/],
    ['a STATE after COMPLETE', 's4', [...good('s4'), state('s4', 0)], /^a STATE came after the stream's COMPLETE status$/],
    ['no COMPLETE after STARTED', 's5', [status('s5', 'STARTED'), record('s5', 1), state('s5', 1)], /^the stream ended STARTED, not COMPLETE$/],
    ['no status at all', 's7', [record('s7', 1), state('s7', 1)], /^the stream never ended with a COMPLETE status$/],
    ['a record that breaks the schema', 's8', [status('s8', 'STARTED'), { type: 'RECORD', record: { stream: 's8', data: { id: 'x' } } }, state('s8', 1), status('s8', 'COMPLETE')], /^record 1: field "id" must be integer \(got a string\)$/],
    ['a record without a required field', 's9', [status('s9', 'STARTED'), { type: 'RECORD', record: { stream: 's9', data: { name: 'x' } } }, state('s9', 1), status('s9', 'COMPLETE')], /^record 1: field "id" is required but missing$/],
    ['RUNNING before STARTED', 's10', [status('s10', 'RUNNING'), record('s10', 1), state('s10', 1), status('s10', 'COMPLETE')], /^status RUNNING came before STARTED$/],
  ];

  it('fails each broken rule on the stream that broke it, and unknown streams on the read', async () => {
    const catalog = { streams: [stream('fine'), ...broken.map(([, name]) => stream(name))] };
    const read = [...good('fine'), state('gamma'), record('gamma', 1), ...broken.flatMap(([, , messages]) => messages)];
    const run = await runCli(['validate', '--config', configFile({ catalog, read }), '--source-command', SCRIPTED_SOURCE, '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const r = report(run.stdout);
    expect(r.status).toBe('failed');
    expect(streamOf(r, 'fine')).toMatchObject({ status: 'passed', problems: [] });
    for (const [rule, name, , problem] of broken) {
      expect(streamOf(r, name).status, rule).toBe('failed');
      expect(streamOf(r, name).problems, rule).toHaveLength(1);
      expect(streamOf(r, name).problems[0], rule).toMatch(problem);
    }
    expect(stepOf(r, 'read')).toMatchObject({
      status: 'failed',
      problems: ['a STATE names stream "gamma", which is not in the catalog', 'a RECORD names stream "gamma", which is not in the catalog'],
    });
  });

  it('skips a stream the source ends INCOMPLETE with no ERROR for it, when the source exits 0', async () => {
    const skipped = [status('beta', 'STARTED'), warn('beta: skipped. The account lacks it (HTTP 403).'), warn('alpha is fine'), status('beta', 'INCOMPLETE')];
    const run = await validate({ read: [...good('alpha'), ...skipped] });
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(r.status).toBe('passed');
    expect(streamOf(r, 'beta')).toEqual({
      stream: 'beta',
      status: 'skipped',
      records: 0,
      invalid_records: 0,
      states: 0,
      ended: 'INCOMPLETE',
      reason: 'beta: skipped. The account lacks it (HTTP 403).',
      problems: [],
    });
    expect(streamOf(r, 'alpha')).not.toHaveProperty('reason');
    // Without a WARN it is still skipped, with no reason to give.
    const silent = await validate({ read: [...good('alpha'), status('beta', 'STARTED'), status('beta', 'INCOMPLETE')] });
    expect(streamOf(report(silent.stdout), 'beta')).toMatchObject({ status: 'skipped', problems: [] });
    expect(streamOf(report(silent.stdout), 'beta')).not.toHaveProperty('reason');
    // An ERROR for it, or an exit with an error, says the source did not skip it: it failed.
    const failed = await validate({ read: [...good('alpha'), status('beta', 'STARTED'), status('beta', 'INCOMPLETE'), streamError('beta')] });
    expect(failed.code).toBe(1);
    expect(streamOf(report(failed.stdout), 'beta')).toMatchObject({
      status: 'failed',
      problems: ['the source sent an ERROR: beta broke.', 'the stream ended INCOMPLETE, not COMPLETE'],
    });
    const exits = await validate({ read: [...good('alpha'), ...skipped, { exit: 1 }] });
    expect(exits.code).toBe(1);
    expect(streamOf(report(exits.stdout), 'beta')).toMatchObject({ status: 'failed', problems: ['the stream ended INCOMPLETE, not COMPLETE'] });
  });

  it('waits for the ERROR that may follow an INCOMPLETE status before it stops the read', async () => {
    const read = [status('alpha', 'STARTED'), ...Array.from({ length: 5 }, (_, i) => record('alpha', i)), status('beta', 'STARTED'), status('beta', 'INCOMPLETE'), streamError('beta'), { forever: 'alpha' }];
    const run = await validate({ read }, ['--max-records', '3']);
    expect(run.code).toBe(1);
    const r = report(run.stdout);
    expect(streamOf(r, 'alpha')).toMatchObject({ status: 'passed', ended: 'stopped at 3 records' });
    expect(streamOf(r, 'beta')).toMatchObject({ status: 'failed', problems: ['the source sent an ERROR: beta broke.', 'the stream ended INCOMPLETE, not COMPLETE'] });
    // With no ERROR in that time, the stream was skipped.
    const skipped = [status('beta', 'STARTED'), warn('beta: skipped. Not enabled.'), status('beta', 'INCOMPLETE')];
    const quiet = await validate({ read: [...read.slice(0, 6), ...skipped, { forever: 'alpha' }] }, ['--max-records', '3']);
    expect(quiet.code).toBe(0);
    expect(streamOf(report(quiet.stdout), 'beta')).toMatchObject({ status: 'skipped', reason: 'beta: skipped. Not enabled.' });
  });

  it('fails a source that sends an ERROR or exits with an error after its streams', async () => {
    const error = { type: 'TRACE', trace: { type: 'ERROR', error: { message: 'Ada said no.', failure_type: 'system_error' } } };
    const run = await validate({ read: [...good('alpha'), ...good('beta'), error, { exit: 3 }] });
    expect(run.code).toBe(1);
    const r = report(run.stdout);
    expect(stepOf(r, 'read')).toMatchObject({ status: 'failed', problems: ['the source sent an ERROR: Ada said no.'] });
    const exits = await validate({ read: [...good('alpha'), ...good('beta'), { exit: 3 }] });
    expect(exits.code).toBe(1);
    expect(stepOf(report(exits.stdout), 'read').problems).toEqual([expect.stringMatching(/^The source exited with code 3/)]);
    expect(report(exits.stdout).streams.every((s) => s.status === 'passed')).toBe(true);
  });

  it('fails a config that breaks the spec, naming the field, and a FAILED check', async () => {
    const run = await validate({ check: 42, read: [...good('alpha'), ...good('beta')] });
    expect(run.code).toBe(1);
    const r = report(run.stdout);
    expect(stepOf(r, 'config')).toMatchObject({ status: 'failed', problems: ['config field "check" must be string (got an integer)'] });
    expect(stepOf(r, 'check')).toMatchObject({ status: 'failed', detail: 'check FAILED: 42' });
    expect(stepOf(r, 'read').status).toBe('passed');
  });

  it('stops a source that never ends once every stream has sent --max-records, and passes', async () => {
    const pidFile = join(dir, 'endless.pid');
    const run = await validate({ pid_file: pidFile, read: [...good('beta', 3), status('alpha', 'STARTED'), { forever: 'alpha' }] }, ['--max-records', '50']);
    expect(run.code).toBe(0);
    const r = report(run.stdout);
    expect(streamOf(r, 'alpha')).toMatchObject({ status: 'passed', ended: 'stopped at 50 records' });
    expect(streamOf(r, 'alpha').records).toBeGreaterThanOrEqual(50);
    expect(streamOf(r, 'beta')).toMatchObject({ status: 'passed', records: 3, ended: 'COMPLETE' });
    // The source was stopped, not left running.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await expect.poll(() => isRunning(pid), { timeout: 10_000, interval: 20 }).toBe(false);
  });

  it('prints the table with PASS and FAIL rows and exits 2 on bad usage', async () => {
    const text = await runCli(['validate', '--config', configFile({ catalog: CATALOG, read: [...good('alpha'), record('alpha', 5), ...good('beta')] }), '--source-command', SCRIPTED_SOURCE], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('validate: spec\nvalidate: check\nvalidate: discover\nvalidate: read (up to 100 records per stream)\n');
    expect(text.stdout).toMatch(/^spec\s+PASS\s+one SPEC; 4 config fields$/m);
    expect(text.stdout).toMatch(/^\s+alpha\s+3\s+1\s+FAIL\s+record 3 came after the stream's COMPLETE status$/m);
    expect(text.stdout).toMatch(/^\s+beta\s+2\s+1\s+PASS\s+ended COMPLETE$/m);

    const missing = await runCli(['validate'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Validate needs --config/);
    const zero = await runCli(['validate', '--config', configFile({}), '--max-records', '0'], { cwd: dir });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--max-records must be a whole number/);
    const unknown = await runCli(['validate', '--config', configFile({ catalog: CATALOG, read: [] }), '--source-command', SCRIPTED_SOURCE, '--streams', 'nope', '--quiet'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown stream "nope"; the source offers alpha, beta/);
  });
});

describe("ada-sync validate's formats", () => {
  const accepts = (format: string, value: string) => compileSchema({ type: 'string', format })(value);

  it("takes Airbyte's dates, timestamps and times, with or without a zone, and only real ones", () => {
    for (const value of ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.123456+05:00', '2026-03-01 10:00:00', '2026-03-01T10:00:00', '2022-11-22T01:23:45.123456 BC']) {
      expect(accepts('date-time', value), value).toBe(true);
    }
    for (const value of ['2026-02-30T10:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01', 'yesterday', '2026-03-01T10:00:00Z BC BC']) {
      expect(accepts('date-time', value), value).toBe(false);
    }
    expect(['2024-02-29', '2021-01-23 BC'].map((v) => accepts('date', v))).toEqual([true, true]);
    expect(['2023-02-29', '2021-1-23'].map((v) => accepts('date', v))).toEqual([false, false]);
    expect(['01:23:45', '01:23:45.123456+05:00', '01:23:45Z', '25:00:00'].map((v) => accepts('time', v))).toEqual([true, true, true, false]);
    // Airbyte gives other formats no meaning.
    expect(accepts('email', 'not an address')).toBe(true);
  });
});


import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@ada-airbyte/core';
import { runConnector, tracesOf, type ConnectorRun } from '@ada-airbyte/core/testing';
import type { MockAda } from '@ada-airbyte/mock-ada';
import { BIN, catalog, STREAMS, type StreamName, startMock } from './helpers.js';

/*
 * Property-based bad inputs, fed to the real bin. Whatever the config, catalog or state, the
 * connector must end with one clear sentence: a FAILED CONNECTION_STATUS for check (exit 0), a
 * config_error TRACE for discover and read (non-zero exit); never a stack trace, never a hang, every
 * stdout line valid protocol, and not one RECORD. And valid configs with odd values must read the
 * mock's exact ids.
 *
 * Cases run in a few fast-check chains at once (different seeds), so that two cores stay busy while
 * each spawned connector starts up. FC_SEED=n replays a run; fast-check prints seed and path of any
 * counterexample.
 */

// Random locally, to keep finding new cases; fixed in CI, so that a landing is not a lottery.
const BASE_SEED = Number(process.env.FC_SEED) || (process.env.CI ? 20261127 : Math.floor(Math.random() * 2 ** 31));
/** A bad input fails in well under a second; anything near this is a hang. */
const RUN_TIMEOUT_MS = 30_000;
const NOW = Date.now();
const DAY = 86_400_000;
const MAX_SHRINKS = 30;

let mock: MockAda;
const dirs: string[] = [];

beforeAll(async () => {
  mock = await startMock({ seed: 41, rateLimits: false, conversations: 40, messagesPerConversation: 3, historyDays: 40 });
});
afterAll(async () => {
  await mock?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Running the bin
// ---------------------------------------------------------------------------------------------

/** A file given to the connector: raw text, or a path that does not exist or is a directory. */
type FileInput = { text: string } | { special: 'missing' | 'directory' };
type Command = 'check' | 'discover' | 'read';

interface Inputs {
  config: FileInput;
  catalog?: FileInput;
  state?: FileInput;
}

interface BinRun extends ConnectorRun {
  timedOut: boolean;
  command: Command;
}

function json(value: unknown): FileInput {
  return { text: JSON.stringify(value) };
}

/** How fast-check prints a counterexample: short, whatever the size of the input. */
function printable<T extends object>(value: T, text: string): T {
  const short = text.length > 400 ? `${text.slice(0, 400)}…(${text.length} chars)` : text;
  return Object.assign(value, { [fc.toStringMethod]: () => short });
}

function inputText(input: FileInput): string {
  return 'text' in input ? input.text : `<${input.special}>`;
}

function place(dir: string, name: string, input: FileInput): string {
  const path = join(dir, name);
  if ('text' in input) writeFileSync(path, input.text);
  else if (input.special === 'directory') mkdirSync(path);
  else return join(dir, 'nowhere', name);
  return path;
}

async function runBin(command: Command, inputs: Inputs): Promise<BinRun> {
  const dir = mkdtempSync(join(tmpdir(), 'source-ada-gen-'));
  dirs.push(dir);
  const argv: string[] = [command, '--config', place(dir, 'config.json', inputs.config)];
  if (command === 'read') {
    argv.push('--catalog', place(dir, 'catalog.json', inputs.catalog ?? json(catalog())));
    if (inputs.state) argv.push('--state', place(dir, 'state.json', inputs.state));
  }
  const started = Date.now();
  const run = await runConnector(BIN, argv, { cwd: dir, timeoutMs: RUN_TIMEOUT_MS });
  // Nothing else kills the child: a SIGKILL here is the timeout.
  const timedOut = run.signal === 'SIGKILL' && Date.now() - started >= RUN_TIMEOUT_MS - 50;
  rmSync(dir, { recursive: true, force: true });
  return { ...run, timedOut, command };
}

// ---------------------------------------------------------------------------------------------
// What a clean failure looks like
// ---------------------------------------------------------------------------------------------

const STACK_FRAME = /^\s*at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

function describeRun(run: BinRun): string {
  const tail = run.lines.slice(-4).map((l) => (l.length > 600 ? `${l.slice(0, 600)}…(${l.length} chars)` : l));
  return `${run.command}: code=${run.code} signal=${run.signal}\nstdout tail:\n${tail.join('\n')}\nstderr:\n${run.stderr.slice(0, 1500)}`;
}

/** The one sentence a user sees: starts like a sentence, ends with a full stop, no stack, not a wall of text. */
function expectSentence(message: string | undefined, run: BinRun, mentions: RegExp): void {
  const why = describeRun(run);
  expect(typeof message, why).toBe('string');
  const m = message!;
  expect(m, why).toMatch(/^[A-Z]/);
  expect(m.trimEnd(), why).toMatch(/\.$/);
  expect(m, why).not.toMatch(STACK_FRAME);
  expect(m, why).not.toMatch(/^Unexpected error|\[object Object\]/);
  expect(m.length, `message of ${m.length} chars: ${m.slice(0, 300)}…\n${why}`).toBeLessThanOrEqual(1000);
  expect(m, why).toMatch(mentions);
}

/** Protocol-valid, no hang, no stack trace anywhere, no data. */
function expectNoDamage(run: BinRun): void {
  const why = describeRun(run);
  expect(run.timedOut, `hung for ${RUN_TIMEOUT_MS} ms\n${why}`).toBe(false);
  expect(run.signal, why).toBeNull();
  expect(run.invalid, why).toEqual([]);
  expect(run.lines.length, why).toBeGreaterThan(0);
  expect(run.stderr, why).not.toMatch(STACK_FRAME);
  for (const s of strings(run.messages)) expect(s, why).not.toMatch(STACK_FRAME);
  const data = run.messages.filter((m) => m.type === 'RECORD' || m.type === 'STATE');
  expect(data.map((m) => m.type), why).toEqual([]);
}

function expectCheckFailed(run: BinRun, mentions: RegExp): void {
  expectNoDamage(run);
  const why = describeRun(run);
  expect(run.code, why).toBe(0);
  const statuses = run.messages.filter((m) => m.type === 'CONNECTION_STATUS');
  expect(statuses, why).toHaveLength(1);
  expect(run.messages.at(-1), why).toBe(statuses[0]);
  expect(statuses[0]!.connectionStatus!.status, why).toBe('FAILED');
  expect(tracesOf(run, 'ERROR'), why).toEqual([]);
  expectSentence(statuses[0]!.connectionStatus!.message, run, mentions);
}

function expectConfigError(run: BinRun, mentions: RegExp): void {
  expectNoDamage(run);
  const why = describeRun(run);
  expect(run.code, why).not.toBe(0);
  expect(run.code, why).not.toBeNull();
  const errors = run.messages.filter((m: AirbyteMessage) => m.type === 'TRACE' && m.trace?.type === 'ERROR');
  expect(errors, why).toHaveLength(1);
  expect(run.messages.at(-1), why).toBe(errors[0]);
  expect(errors[0]!.trace!.error!.failure_type, why).toBe('config_error');
  // Nothing was started: the input is refused before any stream reads.
  expect(tracesOf(run, 'STREAM_STATUS'), why).toEqual([]);
  expectSentence(errors[0]!.trace!.error!.message, run, mentions);
}

type Gate = (body: () => Promise<void>) => Promise<void>;

/**
 * Runs `runs` cases of a property in `chains` fast-check runners at once, each with its own seed. Once one chain
 * fails, the others pass their remaining cases without running them, so that only the failing chain
 * spends time (on shrinking).
 */
async function assertConcurrently<Ts extends [unknown, ...unknown[]]>(
  property: (gate: Gate) => fc.IAsyncProperty<Ts>,
  opts: { chains: number; runs: number; examples?: Ts[] },
): Promise<void> {
  let failedChain: number | undefined;
  const results = await Promise.allSettled(
    Array.from({ length: opts.chains }, (_, i) => {
      const gate: Gate = async (body) => {
        if (failedChain !== undefined && failedChain !== i) return;
        try {
          await body();
        } catch (error) {
          failedChain ??= i;
          throw error;
        }
      };
      return fc.assert(property(gate), {
        seed: BASE_SEED + i * 7919,
        // `runs` cases in all, shared out between the chains.
        numRuns: Math.floor(opts.runs / opts.chains) + (i < opts.runs % opts.chains ? 1 : 0),
        examples: i === 0 ? (opts.examples ?? []) : [],
      });
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: valid configs with odd values
// ---------------------------------------------------------------------------------------------

/** A DNS label, which is what a handle is: https://HANDLE.ada.support. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const CONFIG_FIELDS = [
  'api_key', 'handle', 'region', 'base_url', 'start_date', 'end_date', 'lookback_window_minutes', 'page_size',
  'requests_per_second', 'requests_per_minute', 'requests_per_day', 'window_concurrency', 'max_retries',
] as const;
type ConfigField = (typeof CONFIG_FIELDS)[number];
const KNOWN_KEYS = new Set<string>(CONFIG_FIELDS);

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?$/).filter((s) => LABEL.test(s));

interface OddConfig {
  entries: [string, unknown][];
  start?: string;
  end?: string;
}

function oddValidConfig(m: MockAda): fc.Arbitrary<OddConfig> {
  const port = new URL(m.url).port;
  return fc
    .record(
      {
        api_key: fc.constant(m.apiKey),
        handle: label,
        region: fc.constantFrom('us', 'eu', 'maple'),
        base_url: fc.constantFrom(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/`, `HTTP://127.0.0.1:${port}`, `http://localhost:${port}`),
        start: fc.integer({ min: Math.ceil((NOW - 300 * DAY) / 1000), max: Math.floor((NOW - 3_600_000) / 1000) }).map((s) => s * 1000),
        endAfter: fc.integer({ min: 1, max: 330 * 86_400 }).map((s) => s * 1000),
        lookback_window_minutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 100_000, max: 2_000_000 })),
        page_size: fc.oneof(fc.constantFrom(100, 10000), fc.integer({ min: 100, max: 10000 })),
        requests_per_second: fc.oneof(fc.constant(1000), fc.double({ min: 1000, max: 1e9, noNaN: true })),
        requests_per_minute: fc.oneof(fc.constant(1000), fc.double({ min: 1000, max: 1e9, noNaN: true })),
        requests_per_day: fc.oneof(fc.constant(1000), fc.double({ min: 1000, max: 1e12, noNaN: true })),
        window_concurrency: fc.integer({ min: 1, max: 16 }),
        max_retries: fc.integer({ min: 0, max: 20 }),
        junk: fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !KNOWN_KEYS.has(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      },
      { requiredKeys: ['api_key', 'handle', 'base_url'] },
    )
    .map(({ start, endAfter, junk, ...fields }) => {
      const entries: [string, unknown][] = Object.entries(fields);
      const out: OddConfig = { entries };
      if (start !== undefined) {
        out.start = iso(start);
        entries.push(['start_date', out.start]);
      }
      if (endAfter !== undefined) {
        out.end = iso((start ?? NOW - 300 * DAY) + endAfter);
        entries.push(['end_date', out.end]);
      }
      entries.unshift(...Object.entries(junk ?? {}));
      return out;
    });
}

/** JSON text from entries, so that keys such as "__proto__" survive as plain keys. */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.filter(([, v]) => v !== MISSING).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: bad values
// ---------------------------------------------------------------------------------------------

const MISSING = Symbol('missing');
const jsonish = fc.jsonValue({ maxDepth: 2 });
const bigInts = fc.constantFrom(1e15, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2);
const huge = fc.tuple(fc.constantFrom(70_000, 300_000, 1_000_000), fc.constantFrom('a', 'é', '-', '💥', ' ', '0')).map(([n, c]) => c.repeat(n));
const notString = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(jsonish, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), jsonish, { maxKeys: 3 }),
);
const notNumber = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 10 }),
  fc.integer({ min: 100, max: 10000 }).map(String),
  fc.array(jsonish, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), jsonish, { maxKeys: 3 }),
);
const nonInteger = (min: number, max: number) => fc.double({ min, max, noNaN: true }).filter((x) => !Number.isInteger(x));
/** Numbers outside [min, max] or not integers (max undefined: no upper bound). */
const badInteger = (min: number, max?: number) =>
  fc.oneof(
    fc.integer({ min: -(2 ** 31), max: min - 1 }),
    ...(max !== undefined ? [fc.integer({ min: max + 1, max: 2 ** 31 - 1 }), bigInts.filter((n) => n > max)] : []),
    nonInteger(Math.max(min, -1e6), max ?? 1e6),
    notNumber,
  );
const notPositive = fc.oneof(fc.constant(0), fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }), fc.integer({ max: 0 }), notNumber);

const badHandle = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !LABEL.test(s)),
  fc
    .tuple(label, fc.constantFrom(' ', '!', '.', '_', '/', ':', '@', '?', '#', '\n', '%'), fc.nat())
    .map(([l, c, i]) => l.slice(0, i % (l.length + 1)) + c + l.slice(i % (l.length + 1))),
  label.map((l) => `-${l}`),
  label.map((l) => `${l}-`),
  fc.integer({ min: 64, max: 300 }).map((n) => 'a'.repeat(n)),
  huge,
);
const badRegion = fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !['us', 'eu', 'maple'].includes(s.trim().toLowerCase())), huge);

function badBaseUrl(m: MockAda): fc.Arbitrary<string> {
  const origin = new URL(m.url).origin;
  const suffix = fc
    .oneof(fc.webPath(), fc.webQueryParameters().map((q) => `/?${q}`), fc.webFragments().map((f) => `#${f}`), fc.constantFrom('/api', '/api/v2/', '?x=1', '#top'))
    .filter((s) => {
      const u = new URL(origin + s);
      return (u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '';
    });
  return fc.oneof(
    fc.string({ maxLength: 30 }).filter((s) => !URL.canParse(s)),
    suffix.map((s) => origin + s),
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/))).map(([u, p]) => `http://${u}${p ? `:${p}` : ''}@${new URL(m.url).host}`),
    fc.constantFrom('ftp', 'ws', 'wss', 'file', 'gopher', 'mailto', 'data', 'javascript').map((s) => `${s}://${new URL(m.url).host}`),
    fc.domain().filter((d) => d !== 'localhost').map((d) => `http://${d}`),
    fc.constantFrom('http://10.0.0.1', 'http://192.168.1.10:8080', 'http://example.com', 'http://', 'https://', '127.0.0.1:4010', '//127.0.0.1'),
    huge,
  );
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const ymd = fc.record({ y: fc.integer({ min: 2000, max: 2099 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) });
const hms = fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }) });

/** Text that is no RFC 3339 UTC timestamp of a real instant (config dates: Z only, as the spec says). */
const badConfigDate = fc.oneof(
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s)),
  ymd.map(({ y, mo, d }) => `${y}-${pad(mo)}-${pad(d)}`),
  fc.tuple(ymd, hms).map(([{ y, mo, d }, { h, mi }]) => `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}Z`),
  fc
    .tuple(ymd, hms, fc.integer({ min: 1, max: 14 }), fc.constantFrom('+', '-'), fc.constantFrom('00', '30', '45'))
    .map(([{ y, mo, d }, { h, mi, s }, oh, sign, om]) => `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${sign}${pad(oh)}:${om}`),
  fc.tuple(ymd, hms).map(([{ y, mo, d }, { h, mi, s }]) => `${pad(d)}/${pad(mo)}/${y} ${pad(h)}:${pad(mi)}:${pad(s)}`),
  fc.constantFrom('yesterday', 'now', '', ' ', '1735689600', '2026', 'T00:00:00Z', '2026-01-01T00:00:00ZZ', '2026-01-01T00:00:00.Z'),
  huge,
);

/** Calendar dates and times that do not exist; Date.parse quietly rolls them over. */
const impossibleInstant = fc.oneof(
  fc
    .tuple(fc.integer({ min: 2000, max: 2099 }), fc.constantFrom([2, 30], [2, 31], [4, 31], [6, 31], [9, 31], [11, 31]), hms)
    .map(([y, [mo, d], { h, mi, s }]) => `${y}-${pad(mo!)}-${pad(d!)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`),
  fc
    .tuple(fc.integer({ min: 2000, max: 2099 }).filter((y) => y % 4 !== 0), hms)
    .map(([y, { h, mi, s }]) => `${y}-02-29T${pad(h)}:${pad(mi)}:${pad(s)}Z`),
  fc.tuple(ymd, fc.integer({ min: 0, max: 59 })).map(([{ y, mo, d }, mi]) => `${y}-${pad(mo)}-${pad(d)}T24:${pad(mi)}:00Z`),
);

// ---------------------------------------------------------------------------------------------
// Arbitraries: bad configs
// ---------------------------------------------------------------------------------------------

type Fault = [ConfigField, unknown];

function configFault(m: MockAda): fc.Arbitrary<Fault[]> {
  const one = (field: ConfigField, value: fc.Arbitrary<unknown>) => value.map((v): Fault[] => [[field, v]]);
  const seconds = fc.integer({ min: Math.floor((NOW - 300 * DAY) / 1000), max: Math.floor(NOW / 1000) });
  return fc.oneof(
    fc.constantFrom<ConfigField>('api_key', 'handle').map((f): Fault[] => [[f, MISSING]]),
    one('api_key', fc.oneof(notString, fc.constant(''))),
    one('handle', fc.oneof(notString, badHandle)),
    one('region', fc.oneof(notString, badRegion)),
    one('base_url', fc.oneof(notString, badBaseUrl(m))),
    one('start_date', fc.oneof(notString, badConfigDate)),
    one('end_date', fc.oneof(notString, badConfigDate)),
    // Each date valid alone, but end_date not after start_date.
    fc
      .tuple(seconds, fc.integer({ min: 0, max: 400 * 86_400 }))
      .map(([s, back]): Fault[] => [['start_date', iso(s * 1000)], ['end_date', iso((s - back) * 1000)]]),
    one('lookback_window_minutes', fc.oneof(fc.integer({ min: -(2 ** 31), max: -1 }), nonInteger(0, 1e6), notNumber)),
    one('page_size', badInteger(100, 10000)),
    one('requests_per_second', notPositive),
    one('requests_per_minute', notPositive),
    one('requests_per_day', notPositive),
    one('window_concurrency', badInteger(1, 16)),
    one('max_retries', badInteger(0, 20)),
  );
}

interface BadConfig {
  input: FileInput;
  /** The sentence must name one of these. */
  mentions: RegExp;
  label: string;
}

function fieldMentions(fields: Iterable<string>): RegExp {
  return new RegExp(`^The config field "(${[...fields].join('|')})"`);
}

/** A valid config spoiled by one to three faults, with junk keys around (allowed alone). */
function badConfigByField(m: MockAda): fc.Arbitrary<BadConfig> {
  return fc.tuple(oddValidConfig(m), fc.array(configFault(m), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom('__proto__', 'constructor', 'toString', 'x'.repeat(300)), { maxLength: 2 })).map(
    ([base, faults, oddKeys]) => {
      const fields = new Map<string, unknown>(base.entries);
      const faulted = new Set<string>();
      for (const [field, value] of faults.flat()) {
        fields.delete(field);
        fields.set(field, value);
        faulted.add(field);
      }
      const entries: [string, unknown][] = [...oddKeys.map((k): [string, unknown] => [k, { handle: 'acme', api_key: m.apiKey }]), ...fields];
      const text = objectText(entries);
      return printable({ input: { text }, mentions: fieldMentions(faulted), label: `faults on ${[...faulted].join(', ')}` }, text);
    },
  );
}

/** Not an object, not JSON, not a file. */
const badConfigFile: fc.Arbitrary<BadConfig> = fc.oneof<fc.Arbitrary<BadConfig>[]>(
  fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 20 }), fc.array(jsonish, { maxLength: 4 })).map((v) => ({
    input: json(v),
    mentions: /config file .*config\.json.*JSON object/,
    label: 'not an object',
  })),
  fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.jsonValue(), fc.nat()).map(([v, n]) => {
        const t = JSON.stringify({ api_key: 'test-key-000', handle: 'acme', v });
        return t.slice(0, 1 + (n % (t.length - 1)));
      }),
      fc.constantFrom('', ' ', '\uFEFF', "{'api_key': 'x'}", '{"api_key": "x",}', '{"api_key": "x"} {}', 'api_key=x', 'NaN', '{"a": NaN}'),
    )
    .filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    })
    .map((text) => ({ input: { text }, mentions: /config file .*config\.json is not valid JSON/, label: 'not JSON' })),
  fc.constantFrom<'missing' | 'directory'>('missing', 'directory').map((special) => ({
    input: { special },
    mentions: special === 'missing' ? /config file .*config\.json does not exist/ : /config file .*config\.json is a directory/,
    label: `config path ${special}`,
  })),
).map((bad) => printable(bad, `${bad.label}: ${inputText(bad.input)}`));

// ---------------------------------------------------------------------------------------------
// Arbitraries: bad catalogs
// ---------------------------------------------------------------------------------------------

/** Catalogs and states are taken apart freely here. */
type Json = any;
type CatalogMutation = (c: Json) => Json;

const notObject = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 10 }), fc.array(jsonish, { maxLength: 3 }));
const notArray = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 10 }), fc.dictionary(fc.string({ maxLength: 5 }), jsonish, { maxKeys: 3 }));
const badSyncMode = fc.oneof(
  fc.string({ maxLength: 15 }).filter((s) => s !== 'full_refresh' && s !== 'incremental'),
  fc.constantFrom('cdc', 'FULL_REFRESH', 'Incremental', 'full-refresh', 'append_dedup'),
  notString,
);
const badDestinationSyncMode = fc.oneof(
  fc.string({ maxLength: 15 }).filter((s) => !['append', 'overwrite', 'append_dedup', 'update', 'soft_delete'].includes(s)),
  notString,
);
// Huge names are echoed in the error; they have their own test below.
const unknownStreamName = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !(STREAMS as readonly string[]).includes(s)),
  fc.constantFrom('Conversations', 'MESSAGES', 'conversations ', ' messages', 'tickets', '', '__proto__', 'constructor', 'toString'),
  fc.integer({ min: 64, max: 200 }).map((n) => 'x'.repeat(n)),
);
const notStringArray = fc.oneof(notArray, fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.boolean()), { minLength: 1, maxLength: 3 }));

/** Picks entry `i` (modulo the count) of an array of streams that still is one. */
function onEntry(i: number, f: (entry: Json) => void): CatalogMutation {
  return (c) => {
    if (c && Array.isArray(c.streams) && c.streams.length > 0) {
      const entry = c.streams[i % c.streams.length];
      if (entry && typeof entry === 'object') f(entry);
    }
    return c;
  };
}
function onStream(i: number, f: (stream: Json) => void): CatalogMutation {
  return onEntry(i, (e) => {
    if (e.stream && typeof e.stream === 'object') f(e.stream);
  });
}

const catalogMutation: fc.Arbitrary<{ name: string; apply: CatalogMutation }> = fc.oneof(
  fc.constant({ name: 'streams missing', apply: (c: Json) => ({ ...c, streams: undefined }) }),
  notArray.map((v) => ({ name: `streams = ${JSON.stringify(v)}`, apply: (c: Json) => ({ ...c, streams: v }) })),
  fc.constant({ name: 'streams empty', apply: (c: Json) => ({ ...c, streams: [] }) }),
  fc.tuple(fc.nat(), notObject).map(([i, v]) => ({
    name: `entry ${i} = ${JSON.stringify(v)}`,
    apply: (c: Json) => {
      if (Array.isArray(c?.streams) && c.streams.length) c.streams[i % c.streams.length] = v;
      return c;
    },
  })),
  fc.tuple(fc.nat(), fc.constantFrom('stream', 'sync_mode', 'destination_sync_mode')).map(([i, k]) => ({ name: `entry ${i} without ${k}`, apply: onEntry(i, (e) => delete e[k]) })),
  fc.tuple(fc.nat(), fc.constantFrom('name', 'json_schema', 'supported_sync_modes')).map(([i, k]) => ({ name: `stream ${i} without ${k}`, apply: onStream(i, (s) => delete s[k]) })),
  fc.tuple(fc.nat(), notObject).map(([i, v]) => ({ name: `entry ${i} stream = ${JSON.stringify(v)}`, apply: onEntry(i, (e) => (e.stream = v)) })),
  fc.tuple(fc.nat(), notString).map(([i, v]) => ({ name: `stream ${i} name = ${JSON.stringify(v)}`, apply: onStream(i, (s) => (s.name = v)) })),
  fc.tuple(fc.nat(), notObject).map(([i, v]) => ({ name: `stream ${i} json_schema = ${JSON.stringify(v)}`, apply: onStream(i, (s) => (s.json_schema = v)) })),
  fc
    .tuple(fc.nat(), fc.oneof(notArray, fc.constant([]), badSyncMode.map((m) => [m])))
    .map(([i, v]) => ({ name: `stream ${i} supported_sync_modes = ${JSON.stringify(v)}`, apply: onStream(i, (s) => (s.supported_sync_modes = v)) })),
  fc.tuple(fc.nat(), badSyncMode).map(([i, v]) => ({ name: `entry ${i} sync_mode = ${JSON.stringify(v)}`, apply: onEntry(i, (e) => (e.sync_mode = v)) })),
  fc
    .tuple(fc.nat(), badDestinationSyncMode)
    .map(([i, v]) => ({ name: `entry ${i} destination_sync_mode = ${JSON.stringify(v)}`, apply: onEntry(i, (e) => (e.destination_sync_mode = v)) })),
  fc
    .tuple(fc.nat(), fc.constantFrom('cursor_field', 'primary_key', 'generation_id', 'minimum_generation_id', 'sync_id'), fc.oneof(notStringArray, fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x))))
    .filter(([, k, v]) => (k.endsWith('_id') ? !Number.isInteger(v) : true))
    .map(([i, k, v]) => ({ name: `entry ${i} ${k} = ${JSON.stringify(v)}`, apply: onEntry(i, (e) => (e[k] = k === 'primary_key' && Array.isArray(v) ? [v] : v)) })),
  fc.tuple(fc.nat(), unknownStreamName).map(([i, n]) => ({ name: `stream ${i} named ${JSON.stringify(n).slice(0, 40)}`, apply: onStream(i, (s) => (s.name = n)) })),
  fc.tuple(fc.nat(), fc.constantFrom('full_refresh', 'incremental')).map(([i, mode]) => ({
    name: `entry ${i} twice`,
    apply: (c: Json) => {
      if (Array.isArray(c?.streams) && c.streams.length) c.streams.push({ ...structuredClone(c.streams[i % c.streams.length]), sync_mode: mode });
      return c;
    },
  })),
);

interface BadCatalog {
  input: FileInput;
  label: string;
}

const badCatalog: fc.Arbitrary<BadCatalog> = fc.oneof(
  { weight: 6, arbitrary: fc
    .tuple(
      fc.constantFrom('incremental', 'full_refresh'),
      fc.subarray([...STREAMS], { minLength: 1 }),
      fc.array(catalogMutation, { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), jsonish, { maxKeys: 2 }),
    )
    .map(([mode, streams, mutations, junk]) => {
      let c: Json = { ...junk, ...structuredClone(catalog(mode as 'incremental' | 'full_refresh', streams)) };
      for (const m of mutations) c = m.apply(c);
      return { input: json(c), label: mutations.map((m) => m.name).join('; ') };
    }) },
  { weight: 1, arbitrary: notObject.map((v) => ({ input: json(v), label: `catalog = ${JSON.stringify(v)}` })) },
  { weight: 1, arbitrary: fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.nat().map((n) => {
        const t = JSON.stringify(catalog());
        return t.slice(0, 1 + (n % (t.length - 1)));
      }),
    )
    .filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    })
    .map((text) => ({ input: { text }, label: `catalog text ${JSON.stringify(text.slice(0, 40))}` })) },
  { weight: 1, arbitrary: fc.constantFrom<'missing' | 'directory'>('missing', 'directory').map((special) => ({ input: { special }, label: `catalog path ${special}` })) },
).map((bad) => printable(bad, `${bad.label}: ${inputText(bad.input)}`));

// ---------------------------------------------------------------------------------------------
// Arbitraries: bad states
// ---------------------------------------------------------------------------------------------

const second = fc.integer({ min: Date.UTC(2025, 0, 1) / 1000, max: Date.UTC(2027, 11, 31) / 1000 }).map((s) => s * 1000);
const stamp = second.map(iso);
const ids = fc.array(fc.stringMatching(/^[0-9a-f]{24}$/), { maxLength: 3 });

/** Not a timestamp the connector can resume from (the state accepts any offset or none, a space for T). */
const badCursor = fc.oneof(
  notString,
  fc.string({ maxLength: 25 }).filter((s) => !/^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/i.test(s)),
  impossibleInstant,
  fc.tuple(ymd, hms).map(([{ y, mo, d }, { h }]) => `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:60:00Z`),
  fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.constantFrom('00-10', '13-01', '01-00', '01-32')).map(([y, md]) => `${y}-${md}T00:00:00Z`),
  ymd.map(({ y, mo, d }) => `${y}-${pad(mo)}-${pad(d)}`),
  fc.constantFrom('soon', '', '1735689600', '2026-01-01T00:00:00+99:99', 'latest'),
  // Huge values are echoed in the error; they have their own test below.
  fc.integer({ min: 64, max: 200 }).map((n) => '9'.repeat(n)),
);

interface Window {
  since: string;
  to: string;
  cursor: string;
  boundary_ids?: string[];
}
const goodWindow: fc.Arbitrary<Window> = fc
  .tuple(second, fc.integer({ min: 1, max: 60 * 86_400 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(ids, { nil: undefined }))
  .map(([since, len, at, boundary]) => {
    const to = since + len * 1000;
    const w: Window = { since: iso(since), to: iso(to), cursor: iso(since + Math.floor(len * at) * 1000) };
    if (boundary) w.boundary_ids = boundary;
    return w;
  });
const goodCheckpoint = fc.record(
  { cursor: stamp, boundary_ids: ids, ahead: fc.array(goodWindow, { maxLength: 3 }) },
  { requiredKeys: ['cursor'] },
);

type WindowFault = (w: Json) => Json;
const windowFault: fc.Arbitrary<{ name: string; apply: WindowFault }> = fc.oneof(
  notObject.map((v) => ({ name: `window = ${JSON.stringify(v)}`, apply: () => v })),
  fc.constantFrom('since', 'to', 'cursor').map((k) => ({ name: `window without ${k}`, apply: (w: Json) => ({ ...w, [k]: undefined }) })),
  fc.tuple(fc.constantFrom('since', 'to', 'cursor'), badCursor).map(([k, v]) => ({ name: `window ${k} = ${JSON.stringify(v).slice(0, 60)}`, apply: (w: Json) => ({ ...w, [k]: v }) })),
  fc.oneof(notArray, fc.array(fc.oneof(fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 2 })).map((v) => ({
    name: `window boundary_ids = ${JSON.stringify(v)}`,
    apply: (w: Json) => ({ ...w, boundary_ids: v }),
  })),
  // Three distinct seconds a < b < c, in an order a window cannot have.
  fc
    .tuple(fc.uniqueArray(second, { minLength: 3, maxLength: 3 }), fc.constantFrom('cursor<since', 'to<cursor', 'to<since', 'empty'))
    .map(([abc, how]) => {
      const [a, b, c] = abc.sort((x, y) => x - y).map(iso) as [string, string, string];
      const w = { 'cursor<since': { since: b, cursor: a, to: c }, 'to<cursor': { since: a, cursor: c, to: b }, 'to<since': { since: c, cursor: c, to: a }, empty: { since: a, cursor: a, to: a } }[how];
      return { name: `window ${how}`, apply: () => w };
    }),
);

type CheckpointFault = { name: string; apply: (cp: Json) => Json };
const checkpointFault: fc.Arbitrary<CheckpointFault> = fc.oneof(
  notObject.filter((v) => v !== null).map((v) => ({ name: `stream_state = ${JSON.stringify(v)}`, apply: () => v })),
  fc.constant({ name: 'no cursor', apply: (cp: Json) => ({ ...cp, cursor: undefined, note: 'left over' }) }),
  badCursor.map((v) => ({ name: `cursor = ${JSON.stringify(v).slice(0, 60)}`, apply: (cp: Json) => ({ ...cp, cursor: v }) })),
  notStringArray.map((v) => ({ name: `boundary_ids = ${JSON.stringify(v)}`, apply: (cp: Json) => ({ ...cp, boundary_ids: v }) })),
  notArray.map((v) => ({ name: `ahead = ${JSON.stringify(v)}`, apply: (cp: Json) => ({ ...cp, ahead: v }) })),
  fc.tuple(fc.array(goodWindow, { maxLength: 3 }), fc.nat(), windowFault).map(([good, i, fault]) => ({
    name: `ahead[${i % (good.length + 1)}]: ${fault.name}`,
    apply: (cp: Json) => {
      const ahead: Json[] = [...good];
      ahead.splice(i % (good.length + 1), 0, fault.apply(structuredClone(good[0] ?? { since: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', cursor: '2026-01-01T00:00:00Z' })));
      return { ...cp, ahead };
    },
  })),
);

type EntryFault = { name: string; apply: (entry: Json) => Json };
const entryFault: fc.Arbitrary<EntryFault> = fc.oneof(
  fc
    .oneof(fc.constantFrom('GLOBAL', 'LEGACY', 'STATE', 'stream', 'Stream', ''), notString)
    .map((t) => ({ name: `type = ${JSON.stringify(t)}`, apply: (e: Json) => ({ ...e, type: t }) })),
  fc.constant({ name: 'no stream', apply: (e: Json) => ({ ...e, stream: undefined }) }),
  notObject.map((v) => ({ name: `stream = ${JSON.stringify(v)}`, apply: (e: Json) => ({ ...e, stream: v }) })),
  fc.constant({ name: 'no stream_descriptor', apply: (e: Json) => ({ ...e, stream: { ...e.stream, stream_descriptor: undefined } }) }),
  notObject.map((v) => ({ name: `stream_descriptor = ${JSON.stringify(v)}`, apply: (e: Json) => ({ ...e, stream: { ...e.stream, stream_descriptor: v } }) })),
  fc.oneof(notString, fc.constant(undefined)).map((v) => ({
    name: `stream_descriptor.name = ${JSON.stringify(v)}`,
    apply: (e: Json) => ({ ...e, stream: { ...e.stream, stream_descriptor: { name: v } } }),
  })),
  checkpointFault.map((f) => ({ name: f.name, apply: (e: Json) => ({ ...e, stream: { ...e.stream, stream_state: f.apply(e.stream.stream_state) } }) })),
);

function stateEntry(name: StreamName, checkpoint: Json, wrapped: boolean): Json {
  const state = { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: checkpoint } };
  return wrapped ? { type: 'STATE', state } : state;
}

interface BadState {
  input: FileInput;
  label: string;
}

const validStateText = fc
  .tuple(goodCheckpoint, goodCheckpoint)
  .map(([a, b]) => JSON.stringify([stateEntry('conversations', a, false), stateEntry('messages', b, false)]));

const badState: fc.Arbitrary<BadState> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...STREAMS), goodCheckpoint, goodCheckpoint, entryFault, fc.boolean(), fc.boolean(), fc.boolean())
      .map(([stream, mine, other, fault, otherFirst, withOther, wrapped]) => {
        const bad = wrapped ? { type: 'STATE', state: fault.apply(stateEntry(stream, mine, false)) } : fault.apply(stateEntry(stream, mine, false));
        const others = withOther ? [stateEntry(stream === 'messages' ? 'conversations' : 'messages', other, !wrapped)] : [];
        const list = otherFirst ? [...others, bad] : [bad, ...others];
        // A single message may be given bare (some runners do); keep that form in play too.
        return { input: json(list.length === 1 && wrapped ? list[0] : list), label: `${stream}: ${fault.name}` };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => !(Array.isArray(v) && v.length === 0) && !(v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0))
      .map((v) => ({ input: json(v), label: `random JSON ${JSON.stringify(v).slice(0, 60)}` })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(validStateText, fc.nat())
      .map(([t, n]) => ({ input: { text: t.slice(0, 1 + (n % (t.length - 1))) }, label: 'truncated' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ minLength: 1, maxLength: 40 })
      .filter((t) => {
        if (t.trim() === '') return false;
        try {
          JSON.parse(t);
          return false;
        } catch {
          return true;
        }
      })
      .map((text) => ({ input: { text }, label: `state text ${JSON.stringify(text)}` })),
  },
  { weight: 1, arbitrary: fc.constantFrom<'missing' | 'directory'>('missing', 'directory').map((special) => ({ input: { special }, label: `state path ${special}` })) },
).map((bad) => printable(bad, `${bad.label}: ${inputText(bad.input)}`));

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

function mockJson(overrides: Record<string, unknown> = {}): FileInput {
  return json({ api_key: mock.apiKey, handle: 'acme', base_url: mock.url, lookback_window_minutes: 0, page_size: 100, requests_per_second: 100_000, requests_per_minute: 1_000_000, requests_per_day: 100_000_000, ...overrides });
}

describe('generated bad configs', () => {
  /** check must FAIL with the sentence; discover and read must end in the config_error TRACE. */
  function expectRefused(run: BinRun, mentions: RegExp): void {
    if (run.command === 'check') expectCheckFailed(run, mentions);
    else expectConfigError(run, mentions);
  }
  const commands = fc.constantFrom<Command>('check', 'discover', 'read');

  it('check FAILs, discover and read end in one config_error naming a faulted field', async () => {
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(commands, fc.limitShrink(badConfigByField(mock), MAX_SHRINKS), (command, bad) =>
          gate(async () => {
            expectRefused(await runBin(command, { config: bad.input }), bad.mentions);
          }),
        ),
      { chains: 3, runs: 25 },
    );
  });

  it('config files that are not objects, not JSON or not files are refused the same way', async () => {
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(commands, fc.limitShrink(badConfigFile, MAX_SHRINKS), (command, bad) =>
          gate(async () => {
            expectRefused(await runBin(command, { config: bad.input }), bad.mentions);
          }),
        ),
      { chains: 2, runs: 8 },
    );
  });

  it('start_date and end_date that name no real instant (Feb 30, 24:00) are refused, not rolled over', async () => {
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(commands, fc.constantFrom('start_date', 'end_date'), impossibleInstant, (command, field, value) =>
          gate(async () => {
            const input = mockJson({ [field]: value, ...(field === 'end_date' ? { start_date: '2000-01-01T00:00:00Z' } : {}) });
            expectRefused(await runBin(command, { config: input }), new RegExp(`^The config field "${field}"`));
          }),
        ),
      { chains: 2, runs: 4, examples: [['discover', 'start_date', '2026-02-30T00:00:00Z']] },
    );
  });

  it('whatever the api_key of a bad config, the failure stays valid protocol with its sentence intact', async () => {
    // The key is registered as a secret before validation; masking it must not touch the protocol's own words.
    const shortKey = fc.oneof(
      fc.string({ minLength: 1, maxLength: 3 }),
      fc.constantFrom('E', 'A', 'o', 'TRACE', 'ERROR', 'FAILED', 'config_error', 'CONNECTION_STATUS', 'status', 'The', 'handle', ' '),
    );
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(commands, shortKey, (command, key) =>
          gate(async () => {
            expectRefused(await runBin(command, { config: json({ api_key: key, base_url: mock.url }) }), /^The config field "handle" is required/);
          }),
        ),
      { chains: 2, runs: 4, examples: [['check', 'E']] },
    );
  });
});

describe('generated bad catalogs', () => {
  it('read ends in one config_error about the catalog, before any stream starts', async () => {
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(fc.limitShrink(badCatalog, MAX_SHRINKS), (bad) =>
          gate(async () => {
            const run = await runBin('read', { config: mockJson(), catalog: bad.input });
            expectConfigError(run, /^The catalog\b/);
          }),
        ),
      { chains: 3, runs: 25 },
    );
  });
});

describe('generated bad states', () => {
  it('read ends in one config_error about the state, before any record', async () => {
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(fc.limitShrink(badState, MAX_SHRINKS), (bad) =>
          gate(async () => {
            const run = await runBin('read', { config: mockJson(), catalog: json(catalog('incremental')), state: bad.input });
            expectConfigError(run, /^The state\b/);
          }),
        ),
      { chains: 3, runs: 25 },
    );
  });
});

describe('huge values echoed in an error', () => {
  it('are cut short: the sentence stays readable whatever the size of the stream name or cursor', async () => {
    const where = fc.constantFrom('catalog stream name', 'state cursor', 'state ahead cursor');
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(where, fc.constantFrom(5_000, 70_000, 1_000_000), fc.constantFrom('x', '9', 'é', ' '), (place, size, char) =>
          gate(async () => {
            const value = char.repeat(size);
            const cp =
              place === 'state cursor'
                ? { cursor: value }
                : { cursor: '2026-01-01T00:00:00Z', ahead: [{ since: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', cursor: value }] };
            const run =
              place === 'catalog stream name'
                ? await runBin('read', { config: mockJson(), catalog: json(catalog('incremental', [value])) })
                : await runBin('read', { config: mockJson(), catalog: json(catalog('incremental')), state: json([stateEntry('messages', cp, false)]) });
            expectConfigError(run, place === 'catalog stream name' ? /^The catalog\b/ : /^The state\b/);
          }),
        ),
      { chains: 2, runs: 4, examples: [['catalog stream name', 70_000, 'x']] },
    );
  });
});

describe('generated valid configs with odd values', () => {
  it('read the mock to exit 0 with its exact ids', async () => {
    type Row = { _id: string; date_updated?: string; date_created?: string };
    const records = Object.fromEntries(STREAMS.map((s) => [s, mock.records(s) as Row[]])) as Record<StreamName, Row[]>;
    const cursorOf = (stream: StreamName, r: Row) => (stream === 'conversations' ? r.date_updated! : r.date_created!).slice(0, 19) + 'Z';
    await assertConcurrently(
      (gate) =>
        fc.asyncProperty(
          oddValidConfig(mock),
          fc.constantFrom('incremental', 'full_refresh'),
          fc.subarray([...STREAMS], { minLength: 1 }),
          (config, mode, streams) => gate(async () => {
            const run = await runBin('read', { config: { text: objectText(config.entries) }, catalog: json(catalog(mode as 'incremental', streams)) });
            const why = `${JSON.stringify(config).slice(0, 600)}\n${describeRun(run)}`;
            expect(run.timedOut, why).toBe(false);
            expect(run.invalid, why).toEqual([]);
            expect(tracesOf(run, 'ERROR'), why).toEqual([]);
            expect(run.code, why).toBe(0);
            for (const stream of streams) {
              const got = run.messages.filter((m) => m.type === 'RECORD' && m.record!.stream === stream).map((m) => (m.record!.data as Row)._id);
              const expected = records[stream]
                .filter((r) => (!config.start || cursorOf(stream, r) >= config.start) && (!config.end || cursorOf(stream, r) < config.end))
                .map((r) => r._id);
              expect(new Set(got).size, `${stream}: an id was emitted twice\n${why}`).toBe(got.length);
              expect([...got].sort(), `${stream}\n${why}`).toEqual([...expected].sort());
            }
          }),
        ),
      { chains: 3, runs: 9 },
    );
  });
});

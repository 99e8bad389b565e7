import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runConnector } from '@ada-airbyte/core/testing';
import { type MockAda, startMockAda } from '@ada-airbyte/mock-ada';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCatalog } from '../src/run.js';
import {
  type CliResult,
  DATABASE_URL,
  collect,
  duckdbQuery,
  pgQuery,
  postgresUnavailable,
  postgresUri,
  startCli,
  uniqueSchema,
} from './helpers.js';

/*
 * SIGKILL at seeded random points, several times in a row, then one uninterrupted run: every record
 * of the mock ends up exactly once, in DuckDB and in PostgreSQL. Twice per destination: killing the
 * app (ada-sync run) and killing only its source child (source-ada read).
 *
 * Kill points are events, not delays: a counting proxy in front of mock-ada fires the kill when the
 * K-th request arrives or the K-th response has been sent (the source is then mid-read and the app
 * mid-write, wherever that happens to be), or, for PostgreSQL, once the app has committed R more rows
 * (the app only: it reads ahead of its commits, so its source may have finished by then).
 * KILL_SEED=n replays a run.
 */

// Random locally, to keep finding new cases; fixed in CI, so that a landing is not a lottery.
const SEED = Number(process.env.KILL_SEED) || (process.env.CI ? 20261127 : Math.floor(Math.random() * 2 ** 31));
const KILLS = 3;
/** A whole sync of the mock takes a few seconds; a run still going after this has hung. */
const RUN_TIMEOUT_MS = 60_000;
const STREAMS = ['conversations', 'messages'] as const;

/** mulberry32: small, seedable, good enough to pick kill points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// A proxy that counts requests and fires a callback at the K-th one
// ---------------------------------------------------------------------------------------------

type ProxyEvent = 'request' | 'response';

class CountingProxy {
  private server!: Server;
  url = '';
  requests = 0;
  responses = 0;
  /** Request URLs since the last arm(), with KILL_MATRIX_VERBOSE. */
  readonly log: string[] = [];
  private trigger: { event: ProxyEvent; at: number; fire: () => void } | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      if (process.env.KILL_MATRIX_VERBOSE) this.log.push(req.url ?? '');
      this.check('request', this.requests);
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('error', () => res.destroy());
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('error', () => undefined);
      // A killed source drops its connection: drop the upstream one with it.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      res.on('finish', () => {
        this.responses++;
        this.check('response', this.responses);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Counts from zero again. */
  reset(): void {
    this.requests = 0;
    this.responses = 0;
    this.log.length = 0;
    this.trigger = undefined;
  }

  /** Calls `fire` once, at the `at`-th event of this kind from now. */
  arm(event: ProxyEvent, at: number, fire: () => void): void {
    this.reset();
    this.trigger = { event, at, fire };
  }

  disarm(): void {
    this.trigger = undefined;
  }

  private check(event: ProxyEvent, count: number): void {
    const t = this.trigger;
    if (t && t.event === event && count === t.at) {
      this.trigger = undefined;
      t.fire();
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/** Direct children of `pid` with their command lines, from /proc. */
function childrenOf(pid: number): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The `source-ada read` child of the app (the discover child has exited by the time data flows). */
function sourceReadChild(appPid: number): number | undefined {
  return childrenOf(appPid).find((c) => /source-ada\/bin\/source-ada read /.test(c.args))?.pid;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function sigkill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Resolves once every pid is gone (SIGKILL is immediate; this only waits for the kernel to say so). */
async function gone(pids: number[]): Promise<void> {
  const started = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - started > 10_000) throw new Error(`processes ${pids.filter(alive).join(', ')} survived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---------------------------------------------------------------------------------------------
// Destinations
// ---------------------------------------------------------------------------------------------

interface Destination {
  uri: string;
  label: string;
  /** Rows committed in the final tables of both streams, where the destination can be read while a sync runs. */
  committedRows?(): Promise<number>;
  /** count(*), count(DISTINCT _id) and the ids of a stream's final table. */
  contents(stream: string): Promise<{ n: number; distinct: number; ids: string[] }>;
  cleanup(): Promise<void>;
}

/** DuckDB is locked by the running sync: its kill points all come from the proxy. */
function duckdbDestination(dir: string): Destination {
  const path = join(dir, 'ada.duckdb');
  return {
    uri: `duckdb:${path}`,
    label: 'DuckDB',
    async contents(stream) {
      const [counts] = await duckdbQuery(path, `SELECT count(*) AS n, count(DISTINCT _id) AS d FROM ${stream}`);
      const ids = (await duckdbQuery(path, `SELECT _id FROM ${stream}`)).map((r) => String(r._id));
      return { n: Number(counts!.n), distinct: Number(counts!.d), ids };
    },
    async cleanup() {},
  };
}

function postgresDestination(): Destination {
  const schema = uniqueSchema('kill_matrix');
  let poller: pg.Client | undefined;
  return {
    uri: postgresUri(schema),
    label: 'PostgreSQL',
    async committedRows() {
      if (!poller) {
        poller = new pg.Client({ connectionString: DATABASE_URL });
        await poller.connect();
      }
      let total = 0;
      for (const stream of STREAMS) {
        // The table may not exist yet; to_regclass tells without an error.
        const [exists] = (await poller.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`"${schema}"."${stream}"`])).rows;
        if (exists?.t) total += Number((await poller.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${stream}"`)).rows[0]!.n);
      }
      return total;
    },
    async contents(stream) {
      const [counts] = await pgQuery(`SELECT count(*)::int AS n, count(DISTINCT _id)::int AS d FROM "${schema}"."${stream}"`);
      const ids = (await pgQuery(`SELECT _id FROM "${schema}"."${stream}"`)).map((r) => String(r._id));
      return { n: Number(counts!.n), distinct: Number(counts!.d), ids };
    },
    async cleanup() {
      await poller?.end().catch(() => undefined);
      await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

type Victim = 'app' | 'source';
type KillPoint = { kind: 'request' | 'response'; at: number } | { kind: 'rows'; more: number };

function describePoint(p: KillPoint): string {
  return p.kind === 'rows' ? `after ${p.more} more committed rows` : `at ${p.kind} #${p.at}`;
}

let mock: MockAda;
/** Requests of one whole read of the mock by source-ada alone, to spread kill points over both streams. */
let requestsPerSync = 0;
const dirs: string[] = [];
const pgUnavailable = await postgresUnavailable('PostgreSQL kill matrix');

beforeAll(async () => {
  // ~2,500 conversations and ~3,750 messages over 150 days: three 60-day windows read concurrently,
  // about 65 pages of 100, so dozens of STATEs (many with windows ahead of the cursor) per full sync.
  mock = await startMockAda({ seed: 97, conversations: 2_500, messagesPerConversation: 1.5, historyDays: 150, rateLimits: false });
  requestsPerSync = await countRequestsOfOneRead();
});
afterAll(async () => {
  await mock?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SOURCE_BIN = join(dirname(createRequire(import.meta.url).resolve('@ada-airbyte/source-ada/package.json')), 'bin', 'source-ada');

async function countRequestsOfOneRead(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'kill-matrix-calibrate-'));
  dirs.push(dir);
  const proxy = new CountingProxy(mock.url);
  await proxy.start();
  try {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ api_key: mock.apiKey, handle: 'acme', base_url: proxy.url, page_size: 100, requests_per_second: 100_000, requests_per_minute: 1_000_000, requests_per_day: 100_000_000 }));
    const discovered = await runConnector(SOURCE_BIN, ['discover', '--config', config], { timeoutMs: RUN_TIMEOUT_MS });
    const catalog = join(dir, 'catalog.json');
    writeFileSync(catalog, JSON.stringify(configureCatalog(discovered.messages.find((m) => m.type === 'CATALOG')!.catalog!, {})));
    const run = await runConnector(SOURCE_BIN, ['read', '--config', config, '--catalog', catalog], { timeoutMs: RUN_TIMEOUT_MS });
    if (run.code !== 0) throw new Error(`calibration read failed: ${run.stderr}${run.lines.slice(-3).join('\n')}`);
    return proxy.requests;
  } finally {
    await proxy.close();
  }
}

function summaryOf(result: CliResult): { status?: string; error?: string } {
  try {
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { status?: string; error?: string };
  } catch {
    return {};
  }
}

function totalRows(): number {
  return STREAMS.reduce((n, s) => n + mock.ids(s).length, 0);
}

function describeResult(result: CliResult): string {
  return `exit ${result.code} signal ${result.signal}\nstdout: ${result.stdout.slice(-800)}\nstderr: ${result.stderr.slice(-1500)}`;
}

async function runMatrix(victim: Victim, makeDestination: (dir: string) => Destination, seedOffset: number): Promise<void> {
  const seed = SEED + seedOffset;
  const rand = random(seed);
  const dir = mkdtempSync(join(tmpdir(), 'kill-matrix-'));
  dirs.push(dir);
  const destination = makeDestination(dir);
  const proxy = new CountingProxy(mock.url);
  await proxy.start();
  const config = join(dir, 'ada.json');
  writeFileSync(
    config,
    JSON.stringify({
      api_key: mock.apiKey,
      handle: 'acme',
      base_url: proxy.url,
      page_size: 100,
      requests_per_second: 100_000,
      requests_per_minute: 1_000_000,
      requests_per_day: 100_000_000,
    }),
  );
  const args = ['run', '--config', config, '--destination', destination.uri, '--json'];
  const context = (i: number, p?: KillPoint) => `${destination.label}, kill ${victim} #${i + 1}${p ? ` ${describePoint(p)}` : ''} (KILL_SEED=${seed - seedOffset})`;

  try {
    // Kill points fall within what is surely left to read: each earlier kill at request K can have
    // moved the sync at most K requests on, so the rest is at least requestsPerSync minus their sum.
    let requestsLeft = requestsPerSync;
    for (let i = 0; i < KILLS; i++) {
      const rowsBefore = (await destination.committedRows?.()) ?? 0;
      const rowsLeft = totalRows() - rowsBefore;
      const r = rand();
      // A rows point only for the app: ada-sync reads ahead of its commits, so by the time R more rows
      // are committed the source may well have finished, and there is no source left to kill.
      const point: KillPoint =
        destination.committedRows && victim === 'app' && r < 1 / 3 && rowsLeft > 400
          ? { kind: 'rows', more: 50 + Math.floor(rand() * (rowsLeft * 0.6 - 50)) }
          : { kind: rand() < 0.5 ? 'request' : 'response', at: 1 + Math.floor(rand() * Math.max(1, (requestsLeft - (KILLS - i)) * 0.6)) };
      // A kill after R rows moved the sync about R / page_size pages on, plus pages in flight.
      requestsLeft -= point.kind === 'rows' ? Math.ceil(point.more / 100) + 3 : point.at;

      proxy.reset();
      const app = startCli(args, { cwd: dir });
      const done = collect(app);
      let orphans: number[] = [];
      let killedPid: number | undefined;
      const kill = (): void => {
        if (app.exitCode !== null || app.signalCode !== null) return;
        if (victim === 'app') {
          // List the source first: once the app is dead it is re-parented and harder to find.
          orphans = childrenOf(app.pid!).map((c) => c.pid);
          sigkill(app.pid!);
          killedPid = app.pid;
          for (const pid of orphans) sigkill(pid);
        } else {
          killedPid = sourceReadChild(app.pid!);
          if (killedPid !== undefined) sigkill(killedPid);
        }
      };
      const timer = setTimeout(() => sigkill(app.pid!), RUN_TIMEOUT_MS);
      if (point.kind === 'rows') {
        void (async () => {
          while (app.exitCode === null && app.signalCode === null) {
            if ((await destination.committedRows!()) >= rowsBefore + point.more) return kill();
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        })();
      } else {
        proxy.arm(point.kind, point.at, kill);
      }
      const result = await done;
      clearTimeout(timer);
      proxy.disarm();
      await gone([...orphans, ...(killedPid ? [killedPid] : [])]);

      const why = `${context(i, point)}\n${describeResult(result)}`;
      if (process.env.KILL_MATRIX_VERBOSE) {
        const committed = destination.committedRows ? `, rows now ${await destination.committedRows()}` : '';
        console.log(`${context(i, point)}: ${proxy.requests} requests, exit ${result.code ?? result.signal}${committed}`);
      }
      expect(killedPid, `the kill point was never reached or the source child was not found\n${why}`).toBeDefined();
      if (victim === 'app') {
        expect(result.signal, why).toBe('SIGKILL');
      } else {
        // The app notices its source died, keeps what the last STATEs covered and says so in one sentence.
        expect(result.signal, `the app hung or died after its source was killed\n${why}`).toBeNull();
        expect(result.code, why).toBe(1);
        const summary = summaryOf(result);
        expect(summary.status, why).toBe('failed');
        expect(summary.error, why).toMatch(/SIGKILL/);
        expect(result.stderr, why).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      }
    }

    const final = await new Promise<CliResult>((resolve) => {
      const app = startCli(args, { cwd: dir });
      const timer = setTimeout(() => sigkill(app.pid!), RUN_TIMEOUT_MS);
      void collect(app).then((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    const why = `${context(KILLS)}, final run\n${describeResult(final)}`;
    expect(final.code, why).toBe(0);
    expect(summaryOf(final).status, why).toBe('succeeded');
    expect(final.stderr, why).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    for (const stream of STREAMS) {
      const expected = [...mock.ids(stream)].sort();
      const got = await destination.contents(stream);
      const label = `${context(KILLS)}: ${stream}`;
      expect(got.n, `${label}: count(*) vs count(DISTINCT _id)`).toBe(got.distinct);
      expect(got.n, `${label}: count(*) vs the mock`).toBe(expected.length);
      const have = new Set(got.ids);
      const want = new Set(expected);
      expect(expected.filter((id) => !have.has(id)), `${label}: missing ids`).toEqual([]);
      expect(got.ids.filter((id) => !want.has(id)), `${label}: ids the mock does not have`).toEqual([]);
    }
  } finally {
    await proxy.close();
    await destination.cleanup().catch(() => undefined);
  }
}

describe('kill matrix', () => {
  it('mock-ada holds enough data for the matrix', () => {
    expect(requestsPerSync).toBeGreaterThan(40);
    for (const stream of STREAMS) {
      expect(mock.ids(stream).length).toBeGreaterThanOrEqual(2_000);
      expect(mock.ids(stream).length).toBeLessThanOrEqual(5_000);
    }
  });

  describe('DuckDB', () => {
    it(`SIGKILL of ada-sync ${KILLS} times in a row, then a full run: every record exactly once`, async () => {
      await runMatrix('app', duckdbDestination, 1);
    });
    it(`SIGKILL of its source-ada child ${KILLS} times in a row, then a full run: every record exactly once`, async () => {
      await runMatrix('source', duckdbDestination, 2);
    });
  });

  describe.skipIf(pgUnavailable !== undefined)('PostgreSQL', () => {
    it(`SIGKILL of ada-sync ${KILLS} times in a row, then a full run: every record exactly once`, async () => {
      await runMatrix('app', () => postgresDestination(), 3);
    });
    it(`SIGKILL of its source-ada child ${KILLS} times in a row, then a full run: every record exactly once`, async () => {
      await runMatrix('source', () => postgresDestination(), 4);
    });
  });
});

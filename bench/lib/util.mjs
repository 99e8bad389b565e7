// Process plumbing for bench/run.mjs: the mock in its own process, connector runs under
// /usr/bin/time -v (peak RSS, CPU seconds), stdout consumed by a line counter in this process.
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlagsOf } from '../../packages/core/dist/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SOURCE_BIN = join(ROOT, 'packages/source-ada/bin/source-ada');
/** BENCH_SYNC_BIN=PATH measures another build of ada-sync (e.g. a copy of apps/sync beside it). */
export const SYNC_BIN = process.env.BENCH_SYNC_BIN ?? join(ROOT, 'apps/sync/bin/ada-sync');
export const TIME_BIN = '/usr/bin/time';
export const HAS_GNU_TIME = existsSync(TIME_BIN);

const DAY = 86_400_000;
export const WINDOW_MS = 60 * DAY;

/**
 * The mock in a child process; `call` sends an IPC command and resolves with its result. Resolves
 * once a read started now would cover all of the mock's data (see below).
 */
export async function startMock(options) {
  const nowOffsetMs = options.nowOffsetMs ?? -5000;
  const child = fork(join(ROOT, 'bench/lib/mock-process.mjs'), [JSON.stringify({ ...options, nowOffsetMs })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  let nextId = 1;
  const pending = new Map();
  let ready;
  const readyPromise = new Promise((res, rej) => {
    ready = res;
    child.once('exit', (code) => rej(new Error(`mock process exited with code ${code} before it was ready`)));
  });
  child.on('message', (msg) => {
    if (msg.type === 'ready') return ready(msg);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`mock: ${msg.error}`));
    else p.resolve(msg.result);
  });
  const info = await readyPromise;
  // A read stops at the last whole second before the mock's clock (its Date header) when it starts,
  // and the data reaches the anchor: a read started within a second or two of the mock would leave
  // the newest records to the next read, and every count here would be one short.
  const readableAt = Math.ceil(info.anchorMs / 1000) * 1000 + 1000 + 50;
  await sleep(readableAt - (Date.now() + nowOffsetMs));
  const call = (cmd, args = {}) =>
    new Promise((res, rej) => {
      const id = nextId++;
      pending.set(id, { resolve: res, reject: rej });
      child.send({ id, cmd, ...args });
    });
  return {
    ...info,
    pid: child.pid,
    call,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await call('close').catch(() => undefined);
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The source's window plan for a backfill from start to end (see packages/core/src/incremental/plan.ts). */
export function planWindows(startMs, endMs) {
  const from = Math.floor(startMs / 1000) * 1000;
  const end = Math.ceil(endMs / 1000) * 1000;
  const windows = [];
  for (let since = from; since < end; ) {
    const to = Math.min(end, since + WINDOW_MS);
    windows.push({ since: iso(since), to: iso(to) });
    since = to;
  }
  return windows;
}

export const iso = (ms) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/**
 * A read range that covers all of a mock's data in whole 60-day windows: the data lies in the
 * `historyDays` before the mock's anchor, the range is `spanDays` (>= historyDays) up to just after it.
 */
export function rangeFor(anchorMs, spanDays) {
  const end = Math.ceil(anchorMs / 1000) * 1000;
  return { startMs: end - spanDays * DAY, endMs: end };
}

/** Parses GNU time -v output. */
function parseTime(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const rssKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  return {
    rssMb: rssKb === undefined ? undefined : rssKb / 1024,
    userS: num(/User time \(seconds\): ([\d.]+)/),
    sysS: num(/System time \(seconds\): ([\d.]+)/),
  };
}

const RECORD_PREFIX = Buffer.from('{"type":"RECORD"');

/**
 * Runs `node script args` (under /usr/bin/time -v when present) with stdout piped into this
 * process, which counts lines: all of them, and those that are Airbyte RECORD messages. Lines that
 * are not records are handed to `onOther` (they are few: STATE, LOG, TRACE).
 */
export function runNode(script, args, { onOther, nodeArgs = [], env, countRecords = true } = {}) {
  const argv = [...nodeArgs, script, ...args];
  const child = HAS_GNU_TIME
    ? spawn(TIME_BIN, ['-v', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  const started = performance.now();
  let lines = 0;
  let records = 0;
  let bytes = 0;
  let carry = null;
  let firstRecordMs;
  let lastRecordMs;
  child.stdout.on('data', (chunk) => {
    bytes += chunk.length;
    const before = countRecords ? records : lines;
    let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      lines++;
      if (nl - start >= 16 && buf.compare(RECORD_PREFIX, 0, 16, start, start + 16) === 0) records++;
      else if (onOther) onOther(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    if ((countRecords ? records : lines) > before) {
      lastRecordMs = performance.now() - started;
      firstRecordMs ??= lastRecordMs;
    }
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      // Steady state: from the first chunk with records to the last (startup and shutdown left out).
      const steadyMs = firstRecordMs === undefined ? undefined : lastRecordMs - firstRecordMs;
      res({ code, signal, wallMs, steadyMs, lines, records, bytes, stderr, pid: child.pid, ...parseTime(stderr) });
    });
  });
}

/** The node flags source-ada's first line asks for: run as users run it, also through process.execPath. */
export function sourceNodeFlags() {
  return nodeFlagsOf(SOURCE_BIN);
}

/** `source-ada read`; returns the run plus what its non-record messages said. */
export async function runSource({ configPath, catalogPath, debug = false, nodeArgs = [] }) {
  const logs = [];
  const errors = [];
  let states = 0;
  let debugRequests = 0;
  const run = await runNode(SOURCE_BIN, ['read', '--config', configPath, '--catalog', catalogPath, ...(debug ? ['--debug'] : [])], {
    nodeArgs: [...sourceNodeFlags(), ...nodeArgs],
    onOther: (line) => {
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        logs.push({ level: 'TEXT', message: line });
        return;
      }
      if (m.type === 'STATE') states++;
      else if (m.type === 'LOG') {
        if (m.log.level === 'DEBUG') {
          if (/^GET \S+ -> \d+ in \d+ ms$/.test(m.log.message)) debugRequests++;
        } else logs.push(m.log);
      } else if (m.type === 'TRACE' && m.trace.type === 'ERROR') errors.push(m.trace.error.message);
    },
  });
  if (run.code !== 0 || errors.length) {
    throw new Error(`source-ada read failed (exit ${run.code}): ${errors.join('; ') || run.stderr.slice(-2000)}`);
  }
  // "messages: incremental read of X to Y in N window(s)." and "messages: R records in T, Q requests, …"
  const planned = {};
  const summaries = {};
  for (const l of logs) {
    let m = /^(\w+): \w+ read of (\S+) to (\S+) in (\d+) window\(s\)/.exec(l.message);
    if (m) planned[m[1]] = { since: m[2], to: m[3], windows: Number(m[4]) };
    m = /^(\w+): (\d+) records in .*?, (\d+) requests/.exec(l.message);
    if (m) summaries[m[1]] = { records: Number(m[2]), requests: Number(m[3]) };
  }
  const probe = /HEAP-PROBE (\{.*\})/.exec(run.stderr);
  return {
    ...run,
    logs,
    states,
    debugRequests,
    planned,
    summaries,
    heap: probe ? JSON.parse(probe[1]) : undefined,
  };
}

/** The baseline reader (bench/lib/baseline.mjs). */
export async function runBaseline(job) {
  const run = await runNode(join(ROOT, 'bench/lib/baseline.mjs'), [JSON.stringify(job)], { countRecords: false });
  if (run.code !== 0) throw new Error(`baseline failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  const m = /\{"requests":(\d+)\}/.exec(run.stderr);
  return { ...run, records: run.lines, requests: m ? Number(m[1]) : undefined };
}

/** `ada-sync run … --json`; the summary is the JSON object on stdout. */
export async function runSync(args, env) {
  let out = '';
  const run = await runNode(SYNC_BIN, ['run', ...args, '--json', '--quiet'], { onOther: (l) => (out += l + '\n'), env });
  let summary;
  try {
    summary = JSON.parse(out.trim().split('\n').pop());
  } catch {
    throw new Error(`ada-sync printed no JSON summary (exit ${run.code}): ${out.slice(-1000)} ${run.stderr.slice(-2000)}`);
  }
  if (run.code !== 0 || summary.status !== 'succeeded') {
    throw new Error(`ada-sync run failed (exit ${run.code}): ${summary.error ?? run.stderr.slice(-2000)}`);
  }
  return { ...run, summary };
}

/**
 * The earliest-possible schedule of `counts[endpoint]` requests under "at most perSecond per
 * endpoint in any rolling second and perMinute in total in any rolling minute" (a request at
 * t + span is allowed again, as mock-ada's sliding windows do): each request goes out at the first
 * instant the limits allow, the endpoint that can go first (ties: the one with more left) first.
 * Sending as early as possible is optimal for the finishing time. Returns send times in ms from 0.
 */
export function idealSchedule(counts, { perSecond = 10, perMinute = 100 } = {}) {
  const left = { ...counts };
  const byEndpoint = Object.fromEntries(Object.keys(counts).map((k) => [k, []]));
  const all = [];
  for (;;) {
    let best;
    for (const [e, n] of Object.entries(left)) {
      if (n <= 0) continue;
      let t = all.length ? all[all.length - 1] : 0;
      const mine = byEndpoint[e];
      if (mine.length >= perSecond) t = Math.max(t, mine[mine.length - perSecond] + 1000);
      if (all.length >= perMinute) t = Math.max(t, all[all.length - perMinute] + 60_000);
      if (!best || t < best.t || (t === best.t && n > left[best.e])) best = { e, t };
    }
    if (!best) break;
    left[best.e]--;
    byEndpoint[best.e].push(best.t);
    all.push(best.t);
  }
  return all;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmt = (n, d = 2) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d));

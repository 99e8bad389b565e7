// Issue 13's figures: how close source-ada keeps to Ada's limit whatever the latency, how it shares a
// budget another client spends, and its peak RSS with 10,000-conversation pages in flight. Each
// scenario gets the bench's helpers in `b` (row, notes, log, withMock, writeJson, catalogFor,
// sourceConfig) and adds its rows.
import { spawn } from 'node:child_process';
import { fmt, fmtInt, idealSchedule, rangeFor, runSource, SOURCE_BIN, sourceNodeFlags } from './util.mjs';

const SPAN_DAYS = 300;
const EXPORT_PATH = '/api/v2/export/';

/** Export requests the mock saw, per endpoint, with the first arrival and the last answer's end. */
export async function exportArrivals(mock) {
  const arrivals = (await mock.call('arrivals')).filter((a) => a.path.startsWith(EXPORT_PATH));
  const counts = {};
  for (const a of arrivals) {
    const endpoint = a.path.split('/').pop();
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  const first = Math.min(...arrivals.map((a) => a.at));
  const last = Math.max(...arrivals.map((a) => a.done || a.at));
  return { arrivals, counts, first, last };
}

// ---------------------------------------------------------------------------------------------
// 300 ms pages with 10/s per endpoint binding (the per-minute limit lifted at the mock and in the
// config): the whole read against the earliest schedule those limits allow. About 45 s of requests:
// the ideal sends ten at once from the first instant, a client only after its first answers have told
// it the latency; over a 15 s read those few hundred ms alone cost a few percent, which a real
// backfill of minutes or hours does not feel.
const FAST = { conversations: 75_000, pageSize: 1000, latencyMs: 300 };

export async function benchPerSecond(b) {
  for (const streams of [['messages'], ['conversations', 'messages']]) {
    const label = streams.length === 1 ? 'one stream' : 'both streams';
    const mockOptions = {
      seed: 13, conversations: FAST.conversations, messagesPerConversation: 6, historyDays: 299, latencyMs: FAST.latencyMs, tieGroups: 0,
      groupRateLimits: { export: { perSecond: 10, perMinute: 1_000_000, perDay: null } },
    };
    await b.withMock(mockOptions, async (mock) => {
      const range = rangeFor(mock.anchorMs, SPAN_DAYS);
      const config = b.sourceConfig(mock, range, { page_size: FAST.pageSize, requests_per_second: 10, requests_per_minute: 1_000_000, requests_per_day: 1e9 });
      const configPath = b.writeJson('config-per-second.json', config);
      const catalogPath = b.writeJson('catalog-per-second.json', b.catalogFor(configPath, streams));
      await mock.call('resetStats');
      b.log(`pace: 10/s binding, ${FAST.latencyMs} ms a page, ${label}`);
      await runSource({ configPath, catalogPath });
      const stats = await mock.call('stats');
      const { counts, first, last } = await exportArrivals(mock);
      const schedule = idealSchedule(counts, { perSecond: 10, perMinute: 1_000_000 });
      const idealMs = schedule[schedule.length - 1] + FAST.latencyMs;
      const ratio = idealMs / (last - first);
      const n = Object.values(counts).reduce((a, c) => a + c, 0);
      b.row(
        `Rate: 10/s binding, ${FAST.latencyMs} ms a page, ${label} (${n} requests)`,
        `${fmt((last - first) / 1000, 1)} s (ideal ${fmt(idealMs / 1000, 1)} s), ${stats.rateLimited} × 429`,
        '≥ 0.97 of allowed, 0 × 429',
        fmt(ratio),
        ratio >= 0.97 && stats.rateLimited === 0,
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 3 s pages under 100/min: requests arriving in the first 90 s of the read, against 100 a minute
// (150), alone and while another client of the same Ada spends half of each minute's budget.
const SLOW = { conversations: 40_000, pageSize: 1000, latencyMs: 3000, runMs: 90_000 };

/** Runs source-ada until `ms` after the mock's first export request, then stops it. */
async function runFor(mock, configPath, catalogPath, ms) {
  const child = spawn(process.execPath, [...sourceNodeFlags(), SOURCE_BIN, 'read', '--config', configPath, '--catalog', catalogPath], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let first;
  while (first === undefined && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { arrivals } = await exportArrivals(mock);
    if (arrivals.length) first = Math.min(...arrivals.map((a) => a.at));
  }
  // A second past the window's end, so that every request sent in it has arrived.
  if (first !== undefined) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, first + ms + 1000 - Date.now()))]);
  child.kill('SIGTERM');
  await exited;
  return first;
}

export async function benchSlowPages(b) {
  const cases = [
    { label: 'alone', other: undefined, leftPerMinute: 100, target: 0.95 },
    { label: 'another client spends 50 of each minute', other: { group: 'export', stream: 'messages', perMinute: 50 }, leftPerMinute: 50, target: 0.9 },
  ];
  for (const c of cases) {
    const mockOptions = {
      seed: 17, conversations: SLOW.conversations, messagesPerConversation: 6, historyDays: 299, latencyMs: SLOW.latencyMs, tieGroups: 0,
      ...(c.other ? { otherClient: c.other } : {}),
    };
    await b.withMock(mockOptions, async (mock) => {
      const range = rangeFor(mock.anchorMs, SPAN_DAYS);
      const configPath = b.writeJson('config-slow.json', b.sourceConfig(mock, range, { page_size: SLOW.pageSize }));
      const catalogPath = b.writeJson('catalog-slow.json', b.catalogFor(configPath, ['messages']));
      await mock.call('resetStats');
      b.log(`pace: 100/min binding, ${SLOW.latencyMs / 1000} s a page, messages, ${c.label}, ${SLOW.runMs / 1000} s`);
      const first = await runFor(mock, configPath, catalogPath, SLOW.runMs);
      const stats = await mock.call('stats');
      const { arrivals } = await exportArrivals(mock);
      const inWindow = arrivals.filter((a) => a.at < first + SLOW.runMs).length;
      const allowed = (c.leftPerMinute * SLOW.runMs) / 60_000;
      const ratio = inWindow / allowed;
      const other = stats.otherClient ? `; the other client ${stats.otherClient.admitted} admitted, ${stats.otherClient.refused} refused` : '';
      b.row(
        `Rate: 100/min binding, ${SLOW.latencyMs / 1000} s a page, one stream, ${c.label} (${SLOW.runMs / 1000} s)`,
        `${inWindow} requests (${fmt((inWindow / SLOW.runMs) * 60_000, 1)}/min of ${c.leftPerMinute} left), ${stats.rateLimited} × 429${other}`,
        `≥ ${c.target} of what is left, 0 × 429`,
        fmt(ratio),
        ratio >= c.target && stats.rateLimited === 0,
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Peak RSS of a read of conversations in 10,000-record pages (~17 MB each) at 3 s a page under
// Ada's limits: as many in flight as 3 s pages need.
const BIG = { conversations: 200_000, pageSize: 10_000, latencyMs: 3000 };

export async function benchBigPages(b) {
  await b.withMock({ seed: 19, conversations: BIG.conversations, messagesPerConversation: 1, historyDays: 299, latencyMs: BIG.latencyMs }, async (mock) => {
    const range = rangeFor(mock.anchorMs, SPAN_DAYS);
    const configPath = b.writeJson('config-big.json', b.sourceConfig(mock, range, { page_size: BIG.pageSize }));
    const catalogPath = b.writeJson('catalog-big.json', b.catalogFor(configPath, ['conversations']));
    await mock.call('resetStats');
    b.log(`memory: conversations in ${fmtInt(BIG.pageSize)}-record pages at ${BIG.latencyMs / 1000} s a page, Ada's limits`);
    const run = await runSource({ configPath, catalogPath });
    const stats = await mock.call('stats');
    if (run.records !== BIG.conversations) b.notes.push(`big pages: the source emitted ${run.records} records, the mock has ${BIG.conversations}.`);
    b.row(
      `Memory: peak RSS, conversations in ${fmtInt(BIG.pageSize)}-record pages at ${BIG.latencyMs / 1000} s a page (${stats.requests} requests)`,
      `${fmt(run.rssMb, 0)} MB, ${fmtInt(run.records)} records in ${fmt(run.wallMs / 1000, 1)} s`,
      '≤ 256 MB',
      fmt(run.rssMb / 256),
      run.rssMb <= 256,
    );
  });
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SystemError } from '../src/errors.js';
import { parseCheckpoint, type StreamCheckpoint } from '../src/read/window-state.js';
import { planWindows, type ReadPlan, type Window } from '../src/read/windows.js';
import { compareTimestamps, floorSecondMs, formatSecond } from '../src/time.js';
import { FakeAda, readTimeWindows, type FakeRecord, type PageResult, type PagedSource } from './helpers/fake-ada.js';

const T = Date.UTC(2026, 2, 1, 10, 0, 0);
const S = 1000;

type Event =
  | { kind: 'fetch'; next: string | undefined }
  | { kind: 'emit'; ids: string[] }
  | { kind: 'checkpoint'; checkpoint: StreamCheckpoint; recordCount: number; emittedSoFar: string[] }
  | { kind: 'pageDone' };

interface Run {
  events: Event[];
  emitted: string[];
  checkpoints: Array<Extract<Event, { kind: 'checkpoint' }>>;
  total: number;
}

/** Runs readTimeWindows, recording everything the sink and the source see, in order. */
async function run<R extends FakeRecord>(
  source: PagedSource<R>,
  plan: ReadPlan,
  previous?: StreamCheckpoint,
  options: { concurrency?: number; ticks?: (n: number) => number; minPagesToSplit?: number; target?: () => number } = {},
): Promise<Run> {
  const events: Event[] = [];
  const emitted: string[] = [];
  const recording: PagedSource<R> = {
    stream: source.stream,
    idOf: (r) => source.idOf(r),
    cursorOf: (r) => source.cursorOf(r),
    fetchPage: async (request) => {
      events.push({ kind: 'fetch', next: request.next });
      // Concurrent windows answer in a scrambled order: yield a varying number of ticks.
      const fetchNo = events.filter((e) => e.kind === 'fetch').length;
      for (let i = options.ticks?.(fetchNo) ?? 0; i > 0; i--) await Promise.resolve();
      return source.fetchPage(request);
    },
    ...(source.widen ? { widen: (link: string) => source.widen!(link) } : {}),
    ...(source.narrow ? { narrow: (link: string, window: Window) => source.narrow!(link, window) } : {}),
  };
  const total = await readTimeWindows(recording, plan, previous, {
    emit: (records) => {
      const ids = records.map((r) => r.id);
      emitted.push(...ids);
      events.push({ kind: 'emit', ids });
    },
    checkpoint: (checkpoint, recordCount) => {
      // Deep copy: what would be serialised into the STATE message at this moment.
      events.push({ kind: 'checkpoint', checkpoint: structuredClone(checkpoint), recordCount, emittedSoFar: [...emitted] });
    },
    pageDone: async () => {
      events.push({ kind: 'pageDone' });
    },
  }, {
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.minPagesToSplit !== undefined ? { minPagesToSplit: options.minPagesToSplit } : {}),
    ...(options.target ? { target: options.target } : {}),
  });
  const checkpoints = events.filter((e): e is Extract<Event, { kind: 'checkpoint' }> => e.kind === 'checkpoint');
  return { events, emitted, checkpoints, total };
}

/** A normalised timestamp `micros` microseconds into the whole second at `ms`. */
function ts(ms: number, micros: number): string {
  return formatSecond(ms).replace('Z', `.${String(micros).padStart(6, '0')}Z`);
}

function rec(id: string, second: number, micros = 0): FakeRecord {
  return { id, ts: ts(T + second * S, micros) };
}

interface Scenario {
  records: FakeRecord[];
  pageSize: number;
  /** Set when the source can widen a page stuck on one second (up to this size). */
  maxPageSize?: number;
  windowMs: number;
  startMs: number;
  endMs: number;
}

function planFor(s: Scenario, checkpoint?: StreamCheckpoint, lookbackMs = 0): ReadPlan {
  return planWindows({ checkpoint, startMs: s.startMs, endMs: s.endMs, lookbackMs, floorMs: 0, windowMs: s.windowMs });
}

/** Ids the read must produce: records in [floor(start), ceil(end)). */
function expectedIds(s: Scenario): string[] {
  const plan = planFor(s);
  if (plan.windows.length === 0) return [];
  const from = plan.windows[0]!.since;
  const to = plan.windows[plan.windows.length - 1]!.to;
  return s.records.filter((r) => compareTimestamps(r.ts, from) >= 0 && compareTimestamps(r.ts, to) < 0).map((r) => r.id);
}

/**
 * Random datasets: timestamps crowd into a few seconds so that runs of equal seconds (and equal
 * timestamps) straddle page edges. Either the page size is larger than the biggest run in one
 * second (what the API needs to make progress by following next links alone), or it may be
 * smaller and the source can widen a stuck page up to a maximum that holds the biggest run.
 */
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    points: fc.array(
      fc.record({ second: fc.integer({ min: 0, max: 30 }), micros: fc.constantFrom(0, 0, 1, 500_000, 999_999, 123_456) }),
      { maxLength: 80 },
    ),
    extraPage: fc.integer({ min: 1, max: 6 }),
    widening: fc.boolean(),
    smallPage: fc.integer({ min: 1, max: 4 }),
    windowSeconds: fc.integer({ min: 1, max: 40 }),
    startOffsetMs: fc.integer({ min: -3 * S, max: 10 * S }),
    lengthMs: fc.integer({ min: 0, max: 35 * S }),
  })
  .map(({ points, extraPage, widening, smallPage, windowSeconds, startOffsetMs, lengthMs }) => {
    const records = points.map((p, i) => rec(`id-${String(i).padStart(3, '0')}`, p.second, p.micros));
    const perSecond = new Map<number, number>();
    for (const p of points) perSecond.set(p.second, (perSecond.get(p.second) ?? 0) + 1);
    const maxRun = Math.max(0, ...perSecond.values());
    return {
      records,
      pageSize: widening ? smallPage : maxRun + extraPage,
      ...(widening ? { maxPageSize: Math.max(smallPage, maxRun + extraPage) } : {}),
      windowMs: windowSeconds * S,
      startMs: T + startOffsetMs,
      endMs: T + startOffsetMs + lengthMs,
    };
  });

const ada = (s: Scenario) => new FakeAda(s.records, s.pageSize, s.maxPageSize !== undefined ? { maxPageSize: s.maxPageSize } : {});

describe('the window cursor against an Ada-like paged source', () => {
  it('emits every record in range exactly once, for every page size', async () => {
    // Seconds 0..9 with runs of 1..4 records per second, several sharing a timestamp exactly.
    const records: FakeRecord[] = [];
    let n = 0;
    for (let second = 0; second < 10; second++) {
      const run = (second % 4) + 1;
      for (let k = 0; k < run; k++) records.push(rec(`r${n++}`, second, k < 2 ? 250_000 : 750_000 + k));
    }
    const outside = [rec('before', -1, 999_999), rec('at-end', 10, 0)];
    for (let pageSize = 5; pageSize <= records.length + 2; pageSize++) {
      for (const windowSeconds of [1, 3, 10, 100]) {
        const s: Scenario = { records: [...records, ...outside], pageSize, windowMs: windowSeconds * S, startMs: T, endMs: T + 10 * S };
        const result = await run(ada(s), planFor(s));
        expect(new Set(result.emitted).size, `page ${pageSize}, window ${windowSeconds}s`).toBe(result.emitted.length);
        expect([...result.emitted].sort()).toEqual(records.map((r) => r.id).sort());
        expect(result.total).toBe(records.length);
      }
    }
  });

  it('emits records in the API order', async () => {
    const records = [rec('b', 1, 5), rec('a', 1, 5), rec('c', 0, 9), rec('d', 2)];
    const s: Scenario = { records, pageSize: 3, windowMs: 100 * S, startMs: T, endMs: T + 3 * S };
    const result = await run(new FakeAda(records, 3), planFor(s));
    expect(result.emitted).toEqual(['c', 'a', 'b', 'd']);
  });

  it('fails with a SystemError when a page brings nothing new and links to itself', async () => {
    // Three records in one second with a page size of three: the next link never moves.
    const records = [rec('a', 1, 1), rec('b', 1, 2), rec('c', 1, 3), rec('d', 2)];
    const s: Scenario = { records, pageSize: 3, windowMs: 100 * S, startMs: T, endMs: T + 5 * S };
    const emitted: string[] = [];
    const error = await readTimeWindows(new FakeAda(records, 3), planFor(s), undefined, {
      emit: (rs) => emitted.push(...rs.map((r) => r.id)),
      checkpoint: () => {},
      pageDone: async () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemError);
    expect((error as SystemError).message).toMatch(/same items page/);
    expect(emitted).toEqual(['a', 'b', 'c']);
  });

  it('widens a page stuck on one second when the source can, and reads on', async () => {
    const records = [rec('a', 1, 1), rec('b', 1, 2), rec('c', 1, 3), rec('d', 1, 4), rec('e', 2), rec('f', 3)];
    const s: Scenario = { records, pageSize: 2, maxPageSize: 20, windowMs: 100 * S, startMs: T, endMs: T + 5 * S };
    const source = ada(s);
    const result = await run(source, planFor(s));
    expect(result.emitted).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(source.fetched.some((r) => r.next?.includes('page_size=20'))).toBe(true);
  });

  it('fails with a SystemError when even the widest page is stuck on one second', async () => {
    const records = [rec('a', 1, 1), rec('b', 1, 2), rec('c', 1, 3), rec('d', 1, 4), rec('e', 2)];
    const s: Scenario = { records, pageSize: 1, maxPageSize: 4, windowMs: 100 * S, startMs: T, endMs: T + 5 * S };
    await expect(run(ada(s), planFor(s))).rejects.toBeInstanceOf(SystemError);
  });

  it('fails with a SystemError on an empty page that links to itself', async () => {
    const looping: PagedSource<FakeRecord> = {
      stream: 'items',
      idOf: (r) => r.id,
      cursorOf: (r) => r.ts,
      fetchPage: async (request): Promise<PageResult<FakeRecord>> => ({ records: [], next: 'loop', requested: request.next ?? 'first' }),
    };
    const plan = planFor({ records: [], pageSize: 1, windowMs: S, startMs: T, endMs: T + S });
    await expect(run(looping, plan)).rejects.toBeInstanceOf(SystemError);
  });

  it('does not repeat a checkpoint when a page brings nothing new under a different link', async () => {
    // The API may spell the same query differently from page to page (absolute vs relative link,
    // parameter order): a page of repeats then still moves on, and its position is unchanged.
    const pages: Record<string, PageResult<FakeRecord>> = {
      first: { records: [rec('a', 1, 1), rec('b', 1, 2)], next: '/p2', requested: 'first' },
      '/p2': { records: [rec('a', 1, 1), rec('b', 1, 2)], next: '/p2?again', requested: '/p2' },
      '/p2?again': { records: [rec('a', 1, 1), rec('b', 1, 2), rec('c', 2)], next: undefined, requested: '/p2?again' },
    };
    const source: PagedSource<FakeRecord> = {
      stream: 'items',
      idOf: (r) => r.id,
      cursorOf: (r) => r.ts,
      fetchPage: async (request) => pages[request.next ?? 'first']!,
    };
    const plan = planFor({ records: [], pageSize: 2, windowMs: 100 * S, startMs: T, endMs: T + 5 * S });
    const result = await run(source, plan);
    expect(result.emitted).toEqual(['a', 'b', 'c']);
    expect(result.checkpoints.map((c) => c.checkpoint)).toEqual([
      { cursor: formatSecond(T + S), boundary_ids: ['a', 'b'] },
      { cursor: formatSecond(T + 5 * S) },
    ]);
    expect(result.checkpoints.map((c) => c.recordCount)).toEqual([2, 1]);
  });

  it('confirms the previous checkpoint when there is nothing to read', async () => {
    const previous = { cursor: formatSecond(T + 50 * S), boundary_ids: ['x'] };
    const s: Scenario = { records: [rec('a', 1)], pageSize: 2, windowMs: S, startMs: T, endMs: T + 10 * S };
    const result = await run(new FakeAda(s.records, 2), planFor(s, previous), previous);
    expect(result.emitted).toEqual([]);
    expect(result.checkpoints.map((c) => c.checkpoint)).toEqual([previous]);
    expect(result.events.filter((e) => e.kind === 'fetch')).toHaveLength(0);
  });

  it('skips the boundary ids of the checkpoint it resumes from', async () => {
    const records = [rec('a', 1, 1), rec('b', 1, 2), rec('c', 1, 3), rec('d', 2)];
    const checkpoint = { cursor: formatSecond(T + S), boundary_ids: ['a', 'b'] };
    const s: Scenario = { records, pageSize: 4, windowMs: 100 * S, startMs: T, endMs: T + 5 * S };
    const result = await run(new FakeAda(records, 4), planFor(s, checkpoint), checkpoint);
    expect(result.emitted).toEqual(['c', 'd']);
  });

  it('holds every checkpoint invariant, and resuming from any checkpoint emits exactly the rest', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const expected = expectedIds(s);
        const first = await run(ada(s), planFor(s));

        // Exactly the records in range, each once.
        expect(new Set(first.emitted).size).toBe(first.emitted.length);
        expect([...first.emitted].sort()).toEqual([...expected].sort());
        expect(first.total).toBe(first.emitted.length);

        // A checkpoint after every page that brought records, before the next page is fetched, then
        // pageDone; only a page with nothing new may go without one (a stuck page being widened).
        const fetches = first.events.map((e, i) => (e.kind === 'fetch' ? i : -1)).filter((i) => i >= 0);
        for (const [k, at] of fetches.entries()) {
          const until = fetches[k + 1] ?? first.events.length;
          const between = first.events.slice(at + 1, until).map((e) => e.kind);
          if (between.includes('emit') || k === fetches.length - 1 || s.maxPageSize === undefined) {
            expect(between, `after fetch ${k}`).toContain('checkpoint');
          }
          if (between.includes('checkpoint')) {
            expect(between.lastIndexOf('pageDone')).toBeGreaterThan(between.lastIndexOf('checkpoint'));
          }
          if (between.includes('emit')) expect(between.indexOf('emit')).toBeLessThan(between.indexOf('checkpoint'));
        }
        expect(first.checkpoints.length).toBeGreaterThan(0);

        // Never two identical checkpoints in a row.
        for (let i = 1; i < first.checkpoints.length; i++) {
          expect(first.checkpoints[i]!.checkpoint).not.toEqual(first.checkpoints[i - 1]!.checkpoint);
        }

        // recordCount is the records since the previous checkpoint; they add up to the total.
        let previousCount = 0;
        for (const c of first.checkpoints) {
          expect(c.recordCount).toBe(c.emittedSoFar.length - previousCount);
          previousCount = c.emittedSoFar.length;
        }
        expect(first.checkpoints.reduce((sum, c) => sum + c.recordCount, 0)).toBe(first.total);
        expect(previousCount).toBe(first.total);

        // The last checkpoint is the end of the read.
        const last = first.checkpoints[first.checkpoints.length - 1]!.checkpoint;
        const plan = planFor(s);
        expect(last).toEqual({ cursor: plan.windows.length ? plan.windows[plan.windows.length - 1]!.to : plan.start });

        for (const c of first.checkpoints) {
          const done = new Set(c.emittedSoFar);
          // A checkpoint covers only emitted records: all in-range records before its second, and its boundary ids.
          const cursor = c.checkpoint.cursor;
          const ids = new Set(c.checkpoint.boundary_ids ?? []);
          for (const r of s.records.filter((r) => expected.includes(r.id))) {
            const claimed = compareTimestamps(r.ts, cursor) < 0 || (floorSecondMs(r.ts) === floorSecondMs(cursor) && ids.has(r.id));
            expect(done.has(r.id), `${r.id} at ${r.ts} vs checkpoint ${JSON.stringify(c.checkpoint)}`).toBe(claimed);
          }

          // Resume from the checkpoint as the next sync would: through JSON state and parseCheckpoint.
          const restored = parseCheckpoint(JSON.parse(JSON.stringify(c.checkpoint)), 'items', 'state.json');
          const resumed = await run(ada(s), planFor(s, restored), restored);
          expect(new Set(resumed.emitted).size).toBe(resumed.emitted.length);
          expect(resumed.emitted.filter((id) => done.has(id)), `re-emitted after ${JSON.stringify(c.checkpoint)}`).toEqual([]);
          expect([...done, ...resumed.emitted].sort()).toEqual([...expected].sort());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never loses a record when resuming with a lookback', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.integer({ min: 1, max: 10 }).map((s) => s * S), async (s, lookbackMs) => {
        const expected = expectedIds(s);
        const first = await run(ada(s), planFor(s));
        for (const c of first.checkpoints) {
          const restored = parseCheckpoint(c.checkpoint, 'items', 'state.json');
          const resumed = await run(ada(s), planFor(s, restored, lookbackMs), restored);
          const union = new Set([...c.emittedSoFar, ...resumed.emitted]);
          for (const id of expected) expect(union.has(id)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** Whether a checkpoint claims a record as emitted: before the cursor, at it by id, or inside an ahead window's progress. */
function claims(checkpoint: StreamCheckpoint, r: FakeRecord): boolean {
  const at = (cursor: string, ids: string[] | undefined) =>
    compareTimestamps(r.ts, cursor) < 0 || (floorSecondMs(r.ts) === floorSecondMs(cursor) && (ids ?? []).includes(r.id));
  if (at(checkpoint.cursor, checkpoint.boundary_ids)) return true;
  return (checkpoint.ahead ?? []).some(
    (w) => compareTimestamps(r.ts, w.since) >= 0 && compareTimestamps(r.ts, w.to) < 0 && at(w.cursor, w.boundary_ids),
  );
}

describe('the window cursor with concurrent windows', () => {
  it('emits each record once, every checkpoint claims exactly what was emitted, and resuming from any emits exactly the rest', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.nat(6), { minLength: 1, maxLength: 16 }),
        fc.option(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }), { nil: undefined }),
        async (s, concurrency, delays, targets) => {
        const ticks = (n: number) => delays[n % delays.length]!;
        // Idle workers split windows as soon as a page shows there is more; the target moves as latency would.
        let asked = 0;
        const split = { minPagesToSplit: 1, ...(targets ? { target: () => targets[asked++ % targets.length]! } : {}) };
        const expected = expectedIds(s);
        const first = await run(ada(s), planFor(s), undefined, { concurrency, ticks, ...split });
        expect(new Set(first.emitted).size).toBe(first.emitted.length);
        expect([...first.emitted].sort()).toEqual([...expected].sort());
        for (let i = 1; i < first.checkpoints.length; i++) {
          expect(first.checkpoints[i]!.checkpoint).not.toEqual(first.checkpoints[i - 1]!.checkpoint);
        }
        expect(first.checkpoints.reduce((sum, c) => sum + c.recordCount, 0)).toBe(first.total);
        const plan = planFor(s);
        expect(first.checkpoints.at(-1)!.checkpoint).toEqual({ cursor: plan.windows.length ? plan.windows.at(-1)!.to : plan.start });

        for (const c of first.checkpoints) {
          const done = new Set(c.emittedSoFar);
          for (const r of s.records.filter((r) => expected.includes(r.id))) {
            expect(done.has(r.id), `${r.id} at ${r.ts} vs ${JSON.stringify(c.checkpoint)}`).toBe(claims(c.checkpoint, r));
          }
          const restored = parseCheckpoint(JSON.parse(JSON.stringify(c.checkpoint)), 'items', 'state.json');
          const resumed = await run(ada(s), planFor(s, restored), restored, { concurrency, ticks, ...split });
          expect(new Set(resumed.emitted).size).toBe(resumed.emitted.length);
          expect(resumed.emitted.filter((id) => done.has(id)), `re-emitted after ${JSON.stringify(c.checkpoint)}`).toEqual([]);
          expect([...done, ...resumed.emitted].sort()).toEqual([...expected].sort());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('splits the rest of a window for an idle worker, and the window it came from stops at the split even with a request in flight', async () => {
    // W1 = [0 s, 50 s) holds records at 0-4 s and 28-33 s; W2 = [50 s, 100 s) holds two. Page size 5.
    const early = Array.from({ length: 5 }, (_, i) => rec(`a${i}`, i));
    const late = Array.from({ length: 6 }, (_, i) => rec(`c${i}`, 28 + i));
    const records = [...early, ...late, rec('b0', 60), rec('b1', 70)];
    const s: Scenario = { records, pageSize: 5, windowMs: 50 * S, startMs: T, endMs: T + 100 * S };
    const inner = ada(s);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const asked: Array<{ since: string; to: string; next?: string }> = [];
    const source: PagedSource<FakeRecord> = {
      stream: 'items',
      idOf: (r) => r.id,
      cursorOf: (r) => r.ts,
      narrow: (link, window) => inner.narrow(link, window),
      fetchPage: async (request) => {
        asked.push({ ...request.window, ...(request.next ? { next: request.next } : {}) });
        // W1's second page stays out until the worker that finished W2 has split W1.
        if (request.next !== undefined && request.window.since === formatSecond(T)) await held;
        // The first request of the split-off part releases it: W1's page then reaches past the split.
        if (request.next === undefined && request.window.since !== formatSecond(T) && request.window.since !== formatSecond(T + 50 * S)) release();
        return inner.fetchPage(request);
      },
    };
    const out = await run(source, planFor(s), undefined, { concurrency: 2, minPagesToSplit: 1 });
    expect([...out.emitted].sort()).toEqual(records.map((r) => r.id).sort());
    expect(new Set(out.emitted).size).toBe(out.emitted.length);
    // W1 was split at 27 s (halfway from its position at 4 s to 50 s). Its page in flight, asked up
    // to 50 s, brought records past 27 s: they were left to the split-off part, and W1 asked no more.
    const split = asked.find((a) => a.since === formatSecond(T + 27 * S) && a.next === undefined);
    expect(split).toEqual({ since: formatSecond(T + 27 * S), to: formatSecond(T + 50 * S) });
    expect(asked.slice(asked.indexOf(split!) + 1).filter((a) => a.since === formatSecond(T))).toEqual([]);
    expect(asked.filter((a) => a.since === formatSecond(T))).toHaveLength(2);
    expect(out.checkpoints.at(-1)!.checkpoint).toEqual({ cursor: formatSecond(T + 100 * S) });
  });

  it('runs windows at the same time, up to the limit', async () => {
    const records = Array.from({ length: 40 }, (_, i) => rec(`id-${i}`, i));
    const s: Scenario = { records, pageSize: 2, windowMs: 5 * S, startMs: T, endMs: T + 40 * S };
    let inFlight = 0;
    let peak = 0;
    const inner = ada(s);
    const source: PagedSource<FakeRecord> = {
      stream: 'items',
      idOf: (r) => r.id,
      cursorOf: (r) => r.ts,
      fetchPage: async (request) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return inner.fetchPage(request);
      },
    };
    const out = await run(source, planFor(s), undefined, { concurrency: 3 });
    expect(peak).toBe(3);
    expect([...out.emitted].sort()).toEqual(records.map((r) => r.id).sort());
  });

  it('once a window fails, asks for no new page but keeps those in flight; the last checkpoint stays exact', async () => {
    const records = Array.from({ length: 30 }, (_, i) => rec(`id-${i}`, i));
    const s: Scenario = { records, pageSize: 2, windowMs: 5 * S, startMs: T, endMs: T + 30 * S };
    const inner = ada(s);
    let calls = 0;
    const answered: string[] = [];
    const source: PagedSource<FakeRecord> = {
      stream: 'items',
      idOf: (r) => r.id,
      cursorOf: (r) => r.ts,
      fetchPage: async (request) => {
        if (++calls === 5) throw new SystemError('boom');
        await new Promise((resolve) => setImmediate(resolve));
        const page = await inner.fetchPage(request);
        answered.push(...page.records.map((r) => r.id));
        return page;
      },
    };
    const events: string[] = [];
    const emitted: string[] = [];
    let lastCheckpoint: StreamCheckpoint | undefined;
    let emittedAtLast: string[] = [];
    await expect(
      readTimeWindows(source, planFor(s), undefined, {
        emit: (rs) => emitted.push(...rs.map((r) => r.id)),
        checkpoint: (cp) => {
          lastCheckpoint = structuredClone(cp);
          emittedAtLast = [...emitted];
          events.push('checkpoint');
        },
        pageDone: async () => undefined,
      }, { concurrency: 3 }),
    ).rejects.toThrow('boom');
    // The other windows had requests out when the fifth failed: they were answered and kept.
    expect(calls).toBe(5);
    expect(answered.length).toBeGreaterThan(6);
    expect([...emitted].sort()).toEqual([...new Set(answered)].sort());
    expect(emitted).toEqual(emittedAtLast);
    for (const r of records) expect(emitted.includes(r.id)).toBe(claims(lastCheckpoint!, r));
  });
});

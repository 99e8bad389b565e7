import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Page, type PageFetcher } from '../src/read/page.js';
import { readPartitions } from '../src/read/reader.js';
import { WindowCursor } from '../src/read/window-cursor.js';
import { parseCheckpoint, type StreamCheckpoint } from '../src/read/window-state.js';
import { planWindows, type Window } from '../src/read/windows.js';
import { compareTimestamps, formatSecond } from '../src/time.js';

const T = Date.UTC(2026, 5, 1, 0, 0, 0);
const S = 1000;

interface Event {
  id: string;
  ts: string;
}

/** An audit-log-like API: a window's events newest first, behind an opaque offset cursor. */
class NewestFirst implements PageFetcher<Event, Window> {
  constructor(
    private readonly events: readonly Event[],
    private readonly limit: number,
    private readonly delays: readonly number[] = [0],
  ) {}

  private calls = 0;

  async fetch(window: Window, link: string | undefined): Promise<Page<Event>> {
    for (let i = this.delays[this.calls++ % this.delays.length]!; i > 0; i--) await Promise.resolve();
    const offset = link === undefined ? 0 : Number(Buffer.from(link.split('cursor=')[1]!, 'base64url').toString());
    const inWindow = this.events
      .filter((e) => compareTimestamps(e.ts, window.since) >= 0 && compareTimestamps(e.ts, window.to) < 0)
      .sort((a, b) => compareTimestamps(b.ts, a.ts) || (a.id < b.id ? 1 : -1));
    const records = inWindow.slice(offset, offset + this.limit);
    const more = offset + this.limit < inWindow.length;
    const next = more ? `/events?since=${window.since}&cursor=${Buffer.from(String(offset + this.limit)).toString('base64url')}` : undefined;
    return { records, next, requested: link ?? `/events?since=${window.since}` };
  }
}

const scenarioArb = fc.record({
  seconds: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }),
  limit: fc.integer({ min: 1, max: 6 }),
  windowSeconds: fc.integer({ min: 1, max: 15 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  delays: fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }),
});

async function read(s: { events: Event[]; limit: number; windowSeconds: number; concurrency: number; delays: number[] }, previous?: StreamCheckpoint) {
  const plan = planWindows({ checkpoint: previous, startMs: T, endMs: T + 41 * S, lookbackMs: 0, floorMs: 0, windowMs: s.windowSeconds * S });
  const cursor = new WindowCursor<Event>({ plan, previous, order: 'unordered', keyOf: (e) => e.id, cursorOf: (e) => e.ts, concurrency: s.concurrency });
  const emitted: string[] = [];
  const checkpoints: Array<{ state: StreamCheckpoint; emittedSoFar: string[] }> = [];
  await readPartitions('events', new NewestFirst(s.events, s.limit, s.delays), cursor, {
    emit: (records) => emitted.push(...records.map((r) => r.id)),
    checkpoint: (state) => checkpoints.push({ state: structuredClone(state) as StreamCheckpoint, emittedSoFar: [...emitted] }),
    pageDone: async () => undefined,
    warn: () => undefined,
  });
  return { emitted, checkpoints };
}

/** Whether a checkpoint of finished windows claims an event: before its cursor, or inside a finished ahead window. */
function claims(state: StreamCheckpoint, e: Event): boolean {
  if (compareTimestamps(e.ts, state.cursor) < 0) return true;
  return (state.ahead ?? []).some((w) => w.cursor === w.to && compareTimestamps(e.ts, w.since) >= 0 && compareTimestamps(e.ts, w.to) < 0);
}

describe('the window cursor over pages in no useful order (the audit log)', () => {
  it('emits each event once, checkpoints only finished windows, and resuming from any checkpoint loses nothing and repeats nothing claimed', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ seconds, ...rest }) => {
        const events = seconds.map((second, i) => ({ id: `e${String(i).padStart(2, '0')}`, ts: formatSecond(T + second * S).replace('Z', '.123Z') }));
        const s = { events, ...rest };
        const first = await read(s);
        expect([...first.emitted].sort()).toEqual(events.map((e) => e.id).sort());
        expect(first.checkpoints.at(-1)!.state).toEqual({ cursor: formatSecond(T + 41 * S) });
        for (const c of first.checkpoints) {
          expect(c.state.boundary_ids).toBeUndefined();
          for (const w of c.state.ahead ?? []) expect(w.cursor).toBe(w.to);
          const done = new Set(c.emittedSoFar);
          for (const e of events) if (claims(c.state, e)) expect(done.has(e.id), `${e.id} claimed by ${JSON.stringify(c.state)}`).toBe(true);
          const restored = parseCheckpoint(JSON.parse(JSON.stringify(c.state)), 'events', 'state.json');
          const resumed = await read(s, restored);
          for (const e of events) {
            const claimed = claims(c.state, e);
            expect(resumed.emitted.includes(e.id), `${e.id} after ${JSON.stringify(c.state)}`).toBe(!claimed);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

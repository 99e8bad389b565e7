import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundarySet } from '../src/read/boundary.js';
import { planWindows, type PlanInput } from '../src/read/windows.js';
import { formatSecond } from '../src/time.js';

const T = Date.UTC(2026, 2, 1, 0, 0, 0);
const S = 1000;
const DAY = 86_400_000;
const iso = (ms: number) => formatSecond(ms);
const base: PlanInput = { checkpoint: undefined, startMs: T, endMs: T + 10 * DAY, lookbackMs: 0, floorMs: 0, windowMs: 3 * DAY };

describe('planWindows', () => {
  it('splits [start, end) into contiguous windows no longer than windowMs', () => {
    const plan = planWindows(base);
    expect(plan.windows).toEqual([
      { since: iso(T), to: iso(T + 3 * DAY) },
      { since: iso(T + 3 * DAY), to: iso(T + 6 * DAY) },
      { since: iso(T + 6 * DAY), to: iso(T + 9 * DAY) },
      { since: iso(T + 9 * DAY), to: iso(T + 10 * DAY) },
    ]);
    expect(plan.start).toBe(iso(T));
    expect(plan.windows[0]!.resume).toBeUndefined();
    expect(plan.clampedFrom).toBeUndefined();
  });

  it('floors the start and ceils the end so rounding never drops a record', () => {
    const plan = planWindows({ ...base, startMs: T + 999, endMs: T + 5 * S + 1 });
    expect(plan.windows).toEqual([{ since: iso(T), to: iso(T + 6 * S) }]);
  });

  it('starts at the checkpoint minus the lookback', () => {
    const checkpoint = { cursor: iso(T + 5 * DAY) };
    const plan = planWindows({ ...base, checkpoint, lookbackMs: 2 * 3600_000 });
    expect(plan.start).toBe(iso(T + 5 * DAY - 2 * 3600_000));
    expect(plan.windows[0]!.since).toBe(plan.start);
    expect(plan.windows[plan.windows.length - 1]!.to).toBe(iso(T + 10 * DAY));
  });

  it('ignores startMs when there is a checkpoint', () => {
    const plan = planWindows({ ...base, startMs: T + 8 * DAY, checkpoint: { cursor: iso(T + DAY) } });
    expect(plan.start).toBe(iso(T + DAY));
  });

  it('clamps a start older than the floor to the (ceiled) floor and reports it', () => {
    const plan = planWindows({ ...base, floorMs: T + 2 * DAY + 300 });
    expect(plan.clampedFrom).toBe(iso(T));
    expect(plan.start).toBe(iso(T + 2 * DAY + S));
    expect(plan.windows[0]!.since).toBe(iso(T + 2 * DAY + S));
  });

  it('never starts before a floor that falls inside the start’s second', () => {
    // The start is after the floor, but flooring it to a whole second would go 800 ms below it.
    const plan = planWindows({ ...base, startMs: T + 500, floorMs: T + 200 });
    expect(Date.parse(plan.start)).toBeGreaterThanOrEqual(T + 200);
    expect(plan.start).toBe(iso(T + S));
    expect(plan.clampedFrom).toBeUndefined();
  });

  it('does not report a clamp when the start is exactly the floor', () => {
    const plan = planWindows({ ...base, startMs: T + 2 * DAY + 300, floorMs: T + 2 * DAY + 300 });
    expect(plan.clampedFrom).toBeUndefined();
  });

  it('clamps a checkpoint older than the floor too, dropping its boundary ids', () => {
    const plan = planWindows({ ...base, checkpoint: { cursor: iso(T + DAY), boundary_ids: ['a'] }, floorMs: T + 2 * DAY });
    expect(plan.clampedFrom).toBe(iso(T + DAY));
    expect(plan.start).toBe(iso(T + 2 * DAY));
    expect(plan.windows[0]!.resume).toBeUndefined();
  });

  it('plans nothing for a checkpoint in the future, and reports where it stands', () => {
    const plan = planWindows({ ...base, checkpoint: { cursor: iso(T + 11 * DAY), boundary_ids: ['z'] } });
    expect(plan.windows).toEqual([]);
    expect(plan.start).toBe(iso(T + 11 * DAY));
  });

  it('plans nothing when end is not after start', () => {
    expect(planWindows({ ...base, endMs: T }).windows).toEqual([]);
    expect(planWindows({ ...base, endMs: T - DAY }).windows).toEqual([]);
  });

  it('keeps boundary ids only when resuming exactly at the checkpoint', () => {
    const checkpoint = { cursor: iso(T + DAY), boundary_ids: ['a', 'b'] };
    expect(planWindows({ ...base, checkpoint }).windows[0]!.resume).toEqual({ cursor: iso(T + DAY), ids: ['a', 'b'] });
    expect(planWindows({ ...base, checkpoint, lookbackMs: 60_000 }).windows[0]!.resume).toBeUndefined();
    expect(planWindows({ ...base, checkpoint: { cursor: iso(T + DAY) } }).windows[0]!.resume).toBeUndefined();
  });

  it('returns a copy of the boundary ids, not the checkpoint’s own array', () => {
    const checkpoint = { cursor: iso(T + DAY), boundary_ids: ['a'] };
    const plan = planWindows({ ...base, checkpoint });
    plan.windows[0]!.resume!.ids.push('b');
    expect(checkpoint.boundary_ids).toEqual(['a']);
  });

  it('always yields whole-second, contiguous windows within [floor(start), ceil(end)), each at most windowMs long', () => {
    // Every position is drawn within ~30 windows of T, so a plan never has more than a few dozen windows.
    const inputs = fc.integer({ min: 1, max: (5 * DAY) / S }).chain((windowSeconds) => {
      const windowMs = windowSeconds * S;
      const position = fc.integer({ min: 0, max: 30 * windowMs });
      return fc.record({
        windowMs: fc.constant(windowMs),
        startMs: position.map((p) => T + p),
        endMs: position.map((p) => T + p - windowMs),
        floorMs: fc.option(position.map((p) => T + p), { nil: undefined }),
        checkpointMs: fc.option(position.map((p) => T + Math.floor(p / S) * S), { nil: undefined }),
        lookbackMs: fc.integer({ min: 0, max: 3 * windowMs }),
      });
    });
    fc.assert(
      fc.property(inputs, ({ windowMs, startMs, endMs, floorMs = 0, checkpointMs, lookbackMs }) => {
        const checkpoint = checkpointMs === undefined ? undefined : { cursor: iso(checkpointMs) };
        const plan = planWindows({ checkpoint, startMs, endMs, lookbackMs, floorMs, windowMs });
        const wanted = checkpointMs !== undefined ? checkpointMs - lookbackMs : startMs;
        const from = Math.floor(wanted / S) * S;
        const expectedStart = Math.max(from, Math.ceil(floorMs / S) * S);
        const end = Math.ceil(endMs / S) * S;
        // Never a lower bound older than the API accepts; a clamp is reported exactly when the
        // wanted start was older than the floor.
        expect(Date.parse(plan.start)).toBeGreaterThanOrEqual(floorMs);
        expect(plan.start).toBe(iso(expectedStart));
        expect(plan.clampedFrom).toBe(wanted < floorMs ? iso(from) : undefined);
        if (expectedStart >= end) {
          expect(plan.windows).toEqual([]);
          return;
        }
        expect(plan.windows[0]!.since).toBe(iso(expectedStart));
        expect(plan.windows[plan.windows.length - 1]!.to).toBe(iso(end));
        plan.windows.forEach((w, i) => {
          expect(w.since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
          expect(w.to).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
          const length = Date.parse(w.to) - Date.parse(w.since);
          expect(length).toBeGreaterThan(0);
          expect(length).toBeLessThanOrEqual(windowMs);
          if (i > 0) expect(w.since).toBe(plan.windows[i - 1]!.to);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps windows within windowMs when windowMs is not a whole number of seconds', () => {
    const windowMs = 1500;
    const plan = planWindows({ ...base, endMs: T + 10 * S, windowMs });
    for (const w of plan.windows) {
      const length = Date.parse(w.to) - Date.parse(w.since);
      expect(length, `${w.since}..${w.to}`).toBeGreaterThan(0);
      expect(length, `${w.since}..${w.to}`).toBeLessThanOrEqual(windowMs);
    }
    expect(plan.windows[plan.windows.length - 1]!.to).toBe(iso(T + 10 * S));
  });
});

describe('BoundarySet', () => {
  it('starts empty', () => {
    const b = new BoundarySet();
    expect(b.empty).toBe(true);
    expect(b.position()).toBeUndefined();
    expect(b.has('a')).toBe(false);
  });

  it('starts from a checkpoint position', () => {
    const b = new BoundarySet({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b'] });
    expect(b.has('a')).toBe(true);
    expect(b.has('c')).toBe(false);
    expect(b.position()).toEqual({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b'] });
    // Same second: remembered alongside.
    b.add('c', '2026-03-01T10:00:00.7Z');
    expect(b.position()).toEqual({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b', 'c'] });
  });

  it('remembers only the latest second', () => {
    const b = new BoundarySet();
    b.add('a', '2026-03-01T10:00:00.1Z');
    b.add('b', '2026-03-01T10:00:00.9Z');
    expect(b.position()).toEqual({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b'] });
    b.add('c', '2026-03-01T10:00:01.0001Z');
    expect(b.has('a')).toBe(false);
    expect(b.has('c')).toBe(true);
    expect(b.position()).toEqual({ cursor: '2026-03-01T10:00:01Z', ids: ['c'] });
  });

  it('never changes a position it handed out or the ids it started from', () => {
    const initial = ['a', 'b'];
    const b = new BoundarySet({ cursor: '2026-03-01T10:00:00Z', ids: initial });
    const before = b.position()!;
    b.add('c', '2026-03-01T10:00:00.5Z');
    const during = b.position()!;
    b.add('d', '2026-03-01T10:00:02Z');
    b.add('e', '2026-03-01T10:00:03Z');
    expect(initial).toEqual(['a', 'b']);
    expect(before).toEqual({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b'] });
    expect(during).toEqual({ cursor: '2026-03-01T10:00:00Z', ids: ['a', 'b', 'c'] });
    expect(b.position()).toEqual({ cursor: '2026-03-01T10:00:03Z', ids: ['e'] });
    expect(['a', 'b', 'c', 'd'].some((id) => b.has(id))).toBe(false);
  });

  it('keeps an id from an older second rather than forgetting it', () => {
    const b = new BoundarySet();
    b.add('c', '2026-03-01T10:00:05Z');
    b.add('old', '2026-03-01T10:00:01Z');
    expect(b.has('old')).toBe(true);
    expect(b.position()!.cursor).toBe('2026-03-01T10:00:05Z');
  });
});

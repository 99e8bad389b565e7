import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PagePositionCursor, parsePagePosition, FULL_REFRESH_COMPLETE, type PagePositionState } from '../src/read/page-position-cursor.js';
import { readPartitions } from '../src/read/reader.js';
import { FakeList, type Item } from './helpers/fake-list.js';

const PARTS = ['a', 'b', 'c'];
const partitions = PARTS.map((key) => ({ key, value: key }));

interface Checkpoint {
  state: PagePositionState;
  emittedSoFar: string[];
}

async function read(api: FakeList, state?: PagePositionState) {
  const emitted: string[] = [];
  const checkpoints: Checkpoint[] = [];
  const warnings: string[] = [];
  const cursor = new PagePositionCursor<Item>(partitions, state, (i) => i.id);
  await readPartitions('items', api, cursor, {
    emit: (records) => emitted.push(...records.map((r) => r.id)),
    checkpoint: (s) => checkpoints.push({ state: structuredClone(s) as PagePositionState, emittedSoFar: [...emitted] }),
    pageDone: async () => undefined,
    warn: (m) => warnings.push(m),
  });
  return { emitted, checkpoints, warnings };
}

const listArb = fc
  .record({
    sizes: fc.tuple(fc.nat(12), fc.nat(12), fc.nat(12)),
    limit: fc.integer({ min: 1, max: 5 }),
  })
  .map(({ sizes, limit }) => ({
    items: sizes.flatMap((n, p) => Array.from({ length: n }, (_, i) => ({ id: `${PARTS[p]}-${String(i).padStart(2, '0')}`, part: PARTS[p]! }))),
    limit,
  }));

describe('the page position cursor (full refresh)', () => {
  it('emits every record once, checkpoints after every page, and resuming from any checkpoint emits exactly the rest', async () => {
    await fc.assert(
      fc.asyncProperty(listArb, async ({ items, limit }) => {
        const all = items.map((i) => i.id);
        const first = await read(new FakeList(items, limit));
        expect(first.emitted).toEqual(all);
        expect(first.checkpoints.at(-1)!.state).toEqual({ [FULL_REFRESH_COMPLETE]: true });
        for (const c of first.checkpoints) {
          // Through JSON and the parser, as the next read would get it.
          const restored = parsePagePosition(JSON.parse(JSON.stringify(c.state)), 'items', PARTS, 'state.json');
          const resumed = await read(new FakeList(items, limit), restored);
          if (restored === undefined) {
            // A finished full refresh is read again from the start.
            expect(resumed.emitted).toEqual(all);
            continue;
          }
          expect(resumed.warnings).toEqual([]);
          expect([...c.emittedSoFar, ...resumed.emitted]).toEqual(all);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reads a partition again from its start, with a warning, when the API refuses the saved position', async () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `b-${i}`, part: 'b' }));
    const api = new FakeList(items, 3);
    const first = await read(api);
    const saved = first.checkpoints.find((c) => 'next_page' in c.state)!;
    expect(saved.state).toEqual({ partition: 'b', next_page: '/list?part=b&cursor=b-3' });
    // The record the saved cursor names is deleted before the next read.
    const gone = new FakeList(items.filter((i) => i.id !== 'b-3'), 3);
    const resumed = await read(gone, saved.state);
    expect(resumed.warnings).toHaveLength(1);
    expect(resumed.warnings[0]).toMatch(/items: the API no longer accepts the saved position in b \(cursor b-3 names no record\)/);
    expect(resumed.emitted).toEqual(items.map((i) => i.id).filter((id) => id !== 'b-3'));
    expect(gone.fetched.filter((f) => f.part === 'b').map((f) => f.link)).toEqual(['/list?part=b&cursor=b-3', undefined, '/list?part=b&cursor=b-4', '/list?part=b&cursor=b-7']);
  });

  it('drops a record the next page repeats from the previous one', async () => {
    const pages: Record<string, { records: Item[]; next: string | undefined }> = {
      first: { records: [{ id: '1', part: 'a' }, { id: '2', part: 'a' }], next: 'p2' },
      p2: { records: [{ id: '2', part: 'a' }, { id: '3', part: 'a' }], next: undefined },
    };
    const emitted: string[] = [];
    const cursor = new PagePositionCursor<Item>([{ key: 'a', value: 'a' }], undefined, (i) => i.id);
    await readPartitions('items', { fetch: async (_p, link) => ({ ...pages[link ?? 'first']!, requested: link ?? 'first' }) }, cursor, {
      emit: (records) => emitted.push(...records.map((r) => r.id)),
      checkpoint: () => undefined,
      pageDone: async () => undefined,
      warn: () => undefined,
    });
    expect(emitted).toEqual(['1', '2', '3']);
  });

  it('refuses a state naming a partition the stream does not have, and takes none or a finished one as a fresh start', () => {
    expect(() => parsePagePosition({ partition: 'z' }, 'items', PARTS, 'state.json')).toThrow(/"partition" "z" is not one of a, b, c/);
    expect(() => parsePagePosition({ partition: 'a', next_page: 7 }, 'items', PARTS, 'state.json')).toThrow(/next_page/);
    expect(() => parsePagePosition([], 'items', PARTS, 'state.json')).toThrow(/expected an object/);
    expect(parsePagePosition(undefined, 'items', PARTS, 'state.json')).toBeUndefined();
    expect(parsePagePosition({}, 'items', PARTS, 'state.json')).toBeUndefined();
    expect(parsePagePosition({ [FULL_REFRESH_COMPLETE]: true }, 'items', PARTS, 'state.json')).toBeUndefined();
    expect(parsePagePosition({ partition: 'b' }, 'items', PARTS, 'state.json')).toEqual({ partition: 'b' });
  });
});

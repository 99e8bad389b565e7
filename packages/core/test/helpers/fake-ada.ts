import { readPartitions, type ReadSink } from '../../src/read/reader.js';
import { WindowCursor } from '../../src/read/window-cursor.js';
import { type StreamCheckpoint } from '../../src/read/window-state.js';
import { type ReadPlan, type Window } from '../../src/read/windows.js';
import { compareTimestamps, floorSecondMs, formatSecond } from '../../src/time.js';

export interface PageRequest {
  window: Window;
  next?: string;
}

export interface PageResult<R> {
  records: R[];
  next: string | undefined;
  requested: string;
}

/** A test's paged API: the windowed stream's fetcher, with its record key and cursor beside it. */
export interface PagedSource<R> {
  stream: string;
  idOf(record: R): string;
  cursorOf(record: R): string;
  fetchPage(request: PageRequest): Promise<PageResult<R>>;
  widen?(link: string): string | undefined;
  narrow?(link: string, window: Window): string;
}

/** Reads a plan's windows from a test source through core's reader and window cursor (ascending pages). */
export function readTimeWindows<R>(
  source: PagedSource<R>,
  plan: ReadPlan,
  previous: StreamCheckpoint | undefined,
  sink: Omit<ReadSink<R>, 'warn' | 'checkpoint'> & { checkpoint(checkpoint: StreamCheckpoint, recordCount: number): void },
  options: { concurrency?: number; minPagesToSplit?: number; target?: () => number } = {},
): Promise<number> {
  const cursor = new WindowCursor<R>({
    plan,
    previous,
    order: 'ascending',
    keyOf: (r) => source.idOf(r),
    cursorOf: (r) => source.cursorOf(r),
    concurrency: options.concurrency ?? 1,
    ...(options.minPagesToSplit !== undefined ? { minPagesToSplit: options.minPagesToSplit } : {}),
  });
  const widen = source.widen?.bind(source);
  const narrow = source.narrow?.bind(source);
  return readPartitions(
    source.stream,
    { fetch: (window, next) => source.fetchPage(next === undefined ? { window } : { window, next }), ...(widen ? { widen } : {}), ...(narrow ? { narrow } : {}) },
    cursor,
    { ...sink, checkpoint: (state, count) => sink.checkpoint(state as StreamCheckpoint, count), warn: () => undefined },
    options.target ? { target: options.target } : {},
  );
}

export interface FakeRecord {
  id: string;
  /** Normalised RFC 3339 UTC timestamp, possibly with fractional digits. */
  ts: string;
}

export function byTsThenId(a: FakeRecord, b: FakeRecord): number {
  return compareTimestamps(a.ts, b.ts) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface FakeAdaOptions {
  stream?: string;
  /**
   * The API's largest page. When set, the source offers `widen` (asking for the same page with
   * ten times the page size, up to this maximum), as a source may for runs of equal timestamps.
   */
  maxPageSize?: number;
}

/**
 * An in-memory PagedSource that pages like Ada's export API: `since` inclusive, `to` exclusive,
 * records in ascending (timestamp, id) order, at most `page_size` per page, and a next link that
 * repeats the query with `since` moved to the floor of the last record's second, so records
 * sharing that second come back on the next page (and a page full of one second links to itself).
 */
export class FakeAda implements PagedSource<FakeRecord> {
  readonly stream: string;
  readonly records: FakeRecord[];
  readonly fetched: PageRequest[] = [];
  readonly widen?: (link: string) => string | undefined;

  constructor(
    records: readonly FakeRecord[],
    readonly pageSize: number,
    opts: FakeAdaOptions = {},
  ) {
    this.records = [...records].sort(byTsThenId);
    this.stream = opts.stream ?? 'items';
    const max = opts.maxPageSize;
    if (max !== undefined) {
      this.widen = (link) => {
        const q = parse(link);
        return q.pageSize >= max ? undefined : makeLink(q.since, q.to, Math.min(max, q.pageSize * 10));
      };
    }
  }

  /** The link with its upper bound moved back, as a split needs: its own query, only `to` changed. */
  narrow(link: string, window: Window): string {
    const q = parse(link);
    return makeLink(q.since, window.to, q.pageSize);
  }

  idOf(record: FakeRecord): string {
    return record.id;
  }

  cursorOf(record: FakeRecord): string {
    return record.ts;
  }

  async fetchPage(request: PageRequest): Promise<PageResult<FakeRecord>> {
    this.fetched.push(request);
    const requested = request.next ?? makeLink(request.window.since, request.window.to, this.pageSize);
    const { since, to, pageSize } = parse(requested);
    // Ada refuses an empty or inverted window: a narrowed link must still start before its end.
    if (compareTimestamps(since, to) >= 0) throw new Error(`400: to ${to} must be later than since ${since}`);
    const matching = this.records.filter((r) => compareTimestamps(r.ts, since) >= 0 && compareTimestamps(r.ts, to) < 0);
    const records = matching.slice(0, pageSize);
    const last = records[records.length - 1];
    const more = matching.length > records.length;
    const next = more && last ? makeLink(formatSecond(floorSecondMs(last.ts)), to, pageSize) : undefined;
    return { records, next, requested };
  }
}

function makeLink(since: string, to: string, pageSize: number): string {
  return `/export?since=${encodeURIComponent(since)}&to=${encodeURIComponent(to)}&page_size=${pageSize}`;
}

function parse(link: string): { since: string; to: string; pageSize: number } {
  const q = new URLSearchParams(link.slice(link.indexOf('?') + 1));
  return { since: q.get('since')!, to: q.get('to')!, pageSize: Number(q.get('page_size')) };
}

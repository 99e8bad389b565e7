import { SystemError } from '../errors.js';
import { type OpenedPartition, type StreamCursor } from './cursor.js';
import { type Page, type PageFetcher } from './page.js';

export interface ReadSink<R> {
  emit(records: R[]): void;
  /** A state covering every record emitted so far; `recordCount` are those since the previous one. */
  checkpoint(state: object, recordCount: number): void;
  /** Called after each page, once its records and checkpoint are queued: flush, report progress. */
  pageDone(): Promise<void>;
  warn(message: string): void;
}

/** What the reader measures of itself, for a target that depends on it. */
export interface ReadPace {
  /**
   * How long handling a page takes once it has arrived (emitting its records, waiting for the
   * output to take them), in ms; undefined before the first page.
   */
  pageMs: number | undefined;
}

export interface ReadControl {
  /**
   * How many partitions to read at once right now, asked again as the read goes on (at most the
   * cursor's concurrency). Default: the cursor's concurrency.
   */
  target?(pace: ReadPace): number;
}

interface TakenPage {
  fresh: number;
  received: number;
  next: string | undefined;
  requested: string;
}

/**
 * Reads a stream's partitions page by page, following the API's links, with as many partitions at
 * once as `control.target()` says. A worker that finds no partition left to start takes part of
 * one being read (when the fetcher can narrow links), so that the end of a read keeps the pace of
 * its middle. The cursor drops repeats and says what each checkpoint covers; a checkpoint goes out
 * after every page (identical ones are not repeated). When one partition fails, the others start no
 * new fetch but take the pages of those already started: the last checkpoint stays exact (each page
 * is emitted whole, then checkpointed), and a spent budget is not thrown away. Resolves to the
 * number of records emitted.
 */
export async function readPartitions<R, P>(
  stream: string,
  fetcher: PageFetcher<R, P>,
  cursor: StreamCursor<R, P>,
  sink: ReadSink<R>,
  control: ReadControl = {},
): Promise<number> {
  let total = 0;
  let sinceCheckpoint = 0;
  let last: string | undefined;
  let failure: { error: unknown } | undefined;
  let active = 0;
  const pace: ReadPace = { pageMs: undefined };
  const waiting: Array<() => void> = [];
  const wake = (): void => {
    for (const resolve of waiting.splice(0)) resolve();
  };

  const emitCheckpoint = (): void => {
    const state = cursor.checkpoint();
    const key = JSON.stringify(state);
    if (key === last) return;
    sink.checkpoint(state, sinceCheckpoint);
    sinceCheckpoint = 0;
    last = key;
  };

  const readPartition = async (first: OpenedPartition<R, P>): Promise<void> => {
    let opened = first;
    let link = opened.link;
    let resumed = link !== undefined;
    /**
     * Emits a page's new records. Sync and given the page directly, so that the loop never holds a
     * page across its awaits: a page alive while the output drains outlives young-generation GCs
     * and has to be collected by full ones.
     */
    let arrived = 0;
    const take = (page: Page<R>): TakenPage => {
      arrived = performance.now();
      const fresh = opened.progress.fresh(page.records);
      if (fresh.length > 0) {
        sink.emit(fresh);
        total += fresh.length;
        sinceCheckpoint += fresh.length;
      }
      return { fresh: fresh.length, received: page.records.length, next: page.next, requested: page.requested };
    };
    // Once another partition failed, no new fetch; a page already being fetched is still taken and
    // checkpointed (its budget is spent, and the state stays exact: each page is emitted whole).
    while (!failure) {
      let page: TakenPage;
      try {
        page = take(await fetcher.fetch(opened.partition, link));
      } catch (error) {
        if (!resumed || !fetcher.refusesPosition?.(error)) throw error;
        sink.warn(
          `${stream}: the API no longer accepts the saved position in ${opened.label} (${error instanceof Error ? error.message : String(error)}); ` +
            'reading it again from its start.',
        );
        opened = opened.restart();
        link = undefined;
        resumed = false;
        continue;
      }
      resumed = false;
      if (page.next !== undefined && page.fresh === 0 && sameLink(page.next, page.requested)) {
        link = widened(stream, fetcher, page, opened.label);
        continue;
      }
      const done = opened.progress.advance(page.next);
      emitCheckpoint();
      // An idle worker may now find part of this partition worth taking.
      wake();
      await sink.pageDone();
      const took = performance.now() - arrived;
      const firstPage = pace.pageMs === undefined;
      pace.pageMs = pace.pageMs === undefined ? took : pace.pageMs + 0.2 * (took - pace.pageMs);
      // The first page's time may raise the target: idle workers woken before it was known slept on.
      if (firstPage) wake();
      if (done || page.next === undefined) return;
      link = opened.progress.narrowed && fetcher.narrow ? fetcher.narrow(page.next, opened.partition) : page.next;
    }
  };

  const canSplit = fetcher.narrow !== undefined;
  const worker = async (): Promise<void> => {
    while (!failure) {
      const target = Math.max(1, Math.min(cursor.concurrency, control.target?.(pace) ?? cursor.concurrency));
      const opened = active < target ? cursor.next(canSplit && active > 0) : undefined;
      if (!opened) {
        // Nothing to read now: done if nobody reads either, else wait for a page or an end.
        if (active === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      active++;
      try {
        await readPartition(opened);
      } catch (error) {
        failure ??= { error };
      } finally {
        active--;
        wake();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cursor.concurrency) }, worker));
  if (failure) throw failure.error;
  // Also when there was nothing to read, or every partition was done before: confirm where we are.
  emitCheckpoint();
  await sink.pageDone();
  return total;
}

/**
 * Whether two links ask for the same thing: the same path and parameters, however each was spelled
 * (a link rewritten here encodes `:` as `%3A`, the API's may not; relative or absolute).
 */
function sameLink(a: string, b: string): boolean {
  if (a === b) return true;
  const canonical = (link: string): string => {
    const url = new URL(link, 'http://link.invalid');
    return `${url.pathname}?${[...url.searchParams].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;
  };
  return canonical(a) === canonical(b);
}

/** The link for a page that came back with nothing new and a link to itself, or an error. */
function widened<R, P>(stream: string, fetcher: PageFetcher<R, P>, page: TakenPage, label: string): string {
  const wider = fetcher.widen?.(page.requested);
  if (wider === undefined) {
    throw new SystemError(
      `The API returned the same ${stream} page again (${page.received} records, none new) for ${label}: ` +
        `more records share one position than the largest page holds.`,
    );
  }
  return wider;
}

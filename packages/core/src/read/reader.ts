import { SystemError } from '../errors.js';
import { type StreamCursor } from './cursor.js';
import { type Page, type PageFetcher } from './page.js';

export interface ReadSink<R> {
  emit(records: R[]): void;
  /** A state covering every record emitted so far; `recordCount` are those since the previous one. */
  checkpoint(state: object, recordCount: number): void;
  /** Called after each page, once its records and checkpoint are queued: flush, report progress. */
  pageDone(): Promise<void>;
  warn(message: string): void;
}

interface TakenPage {
  fresh: number;
  received: number;
  next: string | undefined;
  requested: string;
}

/**
 * Reads a stream's partitions page by page, up to the cursor's concurrency at once, following the
 * API's links. The cursor drops repeats and says what each checkpoint covers; a checkpoint goes out
 * after every page (identical ones are not repeated). One partition failing stops the others before
 * they emit more, so the last checkpoint stays exact. Resolves to the number of records emitted.
 */
export async function readPartitions<R, P>(stream: string, fetcher: PageFetcher<R, P>, cursor: StreamCursor<R, P>, sink: ReadSink<R>): Promise<number> {
  let total = 0;
  let sinceCheckpoint = 0;
  let last: string | undefined;
  let failure: { error: unknown } | undefined;

  const emitCheckpoint = (): void => {
    const state = cursor.checkpoint();
    const key = JSON.stringify(state);
    if (key === last) return;
    sink.checkpoint(state, sinceCheckpoint);
    sinceCheckpoint = 0;
    last = key;
  };

  const readPartition = async (index: number): Promise<void> => {
    let opened = cursor.open(index);
    let link = opened.link;
    let resumed = link !== undefined;
    /**
     * Emits a page's new records, or nothing once another partition failed. Sync and given the
     * page directly, so that the loop never holds a page across its awaits: a page alive while the
     * output drains outlives young-generation GCs and has to be collected by full ones.
     */
    const take = (page: Page<R>): TakenPage | undefined => {
      if (failure) return undefined;
      const fresh = opened.progress.fresh(page.records);
      if (fresh.length > 0) {
        sink.emit(fresh);
        total += fresh.length;
        sinceCheckpoint += fresh.length;
      }
      return { fresh: fresh.length, received: page.records.length, next: page.next, requested: page.requested };
    };
    for (;;) {
      let page: TakenPage | undefined;
      try {
        page = take(await fetcher.fetch(opened.partition, link));
      } catch (error) {
        if (!resumed || !fetcher.refusesPosition?.(error)) throw error;
        sink.warn(
          `${stream}: the API no longer accepts the saved position in ${opened.label} (${error instanceof Error ? error.message : String(error)}); ` +
            'reading it again from its start.',
        );
        opened = cursor.open(index, true);
        link = undefined;
        resumed = false;
        continue;
      }
      resumed = false;
      if (!page) return;
      if (page.next !== undefined && page.fresh === 0 && page.next === page.requested) {
        link = widened(stream, fetcher, page, opened.label);
        continue;
      }
      opened.progress.advance(page.next);
      emitCheckpoint();
      await sink.pageDone();
      if (page.next === undefined) return;
      link = page.next;
    }
  };

  // Workers take partitions in order, so the contiguous prefix a cursor reports keeps moving.
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (!failure && nextIndex < cursor.count) {
      const index = nextIndex++;
      if (cursor.isDone(index)) continue;
      try {
        await readPartition(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(cursor.concurrency, cursor.count));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  // Also when there was nothing to read, or every partition was done before: confirm where we are.
  emitCheckpoint();
  await sink.pageDone();
  return total;
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

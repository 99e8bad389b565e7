import { type Page, type PageFetcher } from '../../src/read/page.js';

export interface Item {
  id: string;
  part: string;
}

/** A refusal of a saved link, as an API answers a cursor naming a record that is gone. */
export class UnknownCursor extends Error {}

/**
 * An in-memory list API paged the way Ada's lists are: ascending ids, `limit` records a page, and
 * a next link whose cursor is the id of the next page's first record (inclusive). A cursor naming
 * no record is refused. One list per partition (`part`).
 */
export class FakeList implements PageFetcher<Item, string> {
  readonly fetched: Array<{ part: string; link: string | undefined }> = [];
  items: Item[];

  constructor(
    items: readonly Item[],
    private readonly limit: number,
  ) {
    this.items = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async fetch(part: string, link: string | undefined): Promise<Page<Item>> {
    this.fetched.push({ part, link });
    const list = this.items.filter((i) => i.part === part);
    let from = 0;
    if (link !== undefined) {
      const cursor = new URLSearchParams(link.slice(link.indexOf('?') + 1)).get('cursor')!;
      from = list.findIndex((i) => i.id === cursor);
      if (from < 0) throw new UnknownCursor(`cursor ${cursor} names no record`);
    }
    const records = list.slice(from, from + this.limit);
    const following = list[from + this.limit];
    return {
      records,
      next: following ? `/list?part=${part}&cursor=${following.id}` : undefined,
      requested: link ?? `/list?part=${part}`,
    };
  }

  refusesPosition(error: unknown): boolean {
    return error instanceof UnknownCursor;
  }
}

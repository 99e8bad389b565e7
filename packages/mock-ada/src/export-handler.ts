import type { Dataset, OrderKind, WindowPage } from './data.js';
import { invalid, type Outcome, type RequestContext } from './outcome.js';
import { AsciiChunks } from './page.js';
import { type ExportQuery, nextPageUri, parseExportQuery } from './query.js';
import type { RecordFactory } from './records.js';
import type { ExportStream } from './streams.js';

function orderKind(query: ExportQuery): OrderKind {
  if (query.endpoint === 'messages') return 'messages-created';
  return query.cursor === 'updated' ? 'conversations-updated' : 'conversations-created';
}

/** GET /api/v2/export/conversations and /messages (ada-api.md §2): time windows, keyset links. */
export function exportHandler(dataset: Dataset, factory: RecordFactory, stream: ExportStream): (ctx: RequestContext) => Outcome {
  function serialisePage(query: ExportQuery, ctx: RequestContext): Buffer[] {
    const kind = orderKind(query);
    let page: WindowPage;
    if (query.conversationId !== null) {
      const conversation = dataset.conversationIndex(query.conversationId);
      page = conversation === null
        ? { indices: [], more: false }
        : dataset.conversationMessagesPage(conversation, query.sinceUs, query.toUs, query.pageSize);
    } else {
      page = dataset.page(kind, query.sinceUs, query.toUs, query.pageSize);
    }
    const out = new AsciiChunks();
    out.write('{"data":[');
    page.indices.forEach((index, n) => {
      if (n > 0) out.write(',');
      out.write(kind === 'messages-created' ? factory.messageJson(index) : factory.conversationJson(index));
    });
    const last = page.indices[page.indices.length - 1];
    // The link is ASCII: every component went through encodeURIComponent.
    const next = page.more && last !== undefined ? nextPageUri(ctx.origin, ctx.path, query, dataset.timestamp(kind, last)) : null;
    out.write(`],"meta":{"next_page_uri":${JSON.stringify(next)}}}`);
    return out.finish();
  }

  return (ctx) => {
    const parsed = parseExportQuery(stream, ctx.search, ctx.nowMs);
    if (!parsed.ok) return invalid(parsed.error.param, parsed.error.message);
    return { ok: true, body: serialisePage(parsed.query, ctx) };
  };
}

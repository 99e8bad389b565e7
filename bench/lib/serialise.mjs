// Micro-benchmark of mock-ada's page serialisation: how long one 10,000-record page of messages /
// conversations takes to write, as the server's serialisePage does it (Dataset.page, the record
// factory's JSON writers, AsciiChunks), without HTTP. Prints one JSON line.
import { Dataset } from '../../packages/mock-ada/dist/data.js';
import { AsciiChunks } from '../../packages/mock-ada/dist/page.js';
import { RecordFactory } from '../../packages/mock-ada/dist/records.js';
import { msToUs, US_PER_DAY } from '../../packages/mock-ada/dist/time.js';

const PAGE = 10_000;
const anchorUs = msToUs(Date.now());
const ds = new Dataset({ seed: 1, conversations: 60_000, messagesPerConversation: 6, historyDays: 90, anchorUs, tieGroups: 2 });
const factory = new RecordFactory(ds, { handle: 'acme', undocumentedFields: true });

function serialise(kind, sinceUs) {
  const page = ds.page(kind, sinceUs, anchorUs, PAGE);
  const out = new AsciiChunks();
  out.write('{"data":[');
  page.indices.forEach((index, n) => {
    if (n > 0) out.write(',');
    out.write(kind === 'messages-created' ? factory.messageJson(index) : factory.conversationJson(index));
  });
  out.write('],"meta":{"next_page_uri":null}}');
  const chunks = out.finish();
  return { records: page.indices.length, bytes: chunks.reduce((n, c) => n + c.length, 0) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {};
for (const [name, kind] of [['messages', 'messages-created'], ['conversations', 'conversations-updated']]) {
  const times = [];
  let info;
  // Different pages each time (the factory memoises per conversation), 3 warm-ups then 10 timed.
  for (let r = 0; r < 13; r++) {
    const sinceUs = anchorUs - 90 * US_PER_DAY + r * 3 * US_PER_DAY;
    const t = performance.now();
    info = serialise(kind, sinceUs);
    if (r >= 3) times.push(performance.now() - t);
  }
  if (info.records !== PAGE) throw new Error(`expected a full page of ${name}, got ${info.records}`);
  result[name] = { medianMs: median(times), minMs: Math.min(...times), bytes: info.bytes };
}
process.stdout.write(JSON.stringify(result) + '\n');

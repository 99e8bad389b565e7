// Runs mock-ada in its own process (so its CPU and memory are not the source's) and answers
// questions from bench/run.mjs over IPC: stats, request arrival log, record counts per window.
//
//   fork('bench/lib/mock-process.mjs', [JSON.stringify(startMockAdaOptions)])
//   -> { type: 'ready', url, apiKey, anchorMs, startMs, rssMb }
//   <- { id, cmd: 'stats' | 'resetStats' | 'arrivals' | 'windowCounts' | 'count' | 'memory' | 'close', ... }
//   -> { id, result } or { id, error }
import http from 'node:http';
import { performance } from 'node:perf_hooks';

// Log every request's arrival and the moment its response finished, on the wall clock. The mock's
// server is created inside startMockAda, so its request listener is wrapped here, before import.
const arrivals = [];
const createServer = http.createServer;
http.createServer = function wrappedCreateServer(...args) {
  const listener = args.find((a) => typeof a === 'function');
  const wrapped = (req, res) => {
    const [path, query = ''] = (req.url ?? '').split('?');
    // The window a request belongs to: its *_to, which every page of a window repeats.
    const window = /(?:^|&)(?:created|updated)_to=([^&]*)/.exec(query)?.[1];
    const entry = { at: performance.timeOrigin + performance.now(), path, window, status: 0, done: 0 };
    arrivals.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.done = performance.timeOrigin + performance.now();
    });
    listener(req, res);
  };
  const rest = args.filter((a) => typeof a !== 'function');
  return createServer.call(http, ...rest, wrapped);
};

const { startMockAda } = await import('../../packages/mock-ada/dist/index.js');

const { nowOffsetMs = 0, ...options } = JSON.parse(process.argv[2] ?? '{}');
// The data is dated up to the server clock's value at start (anchorMs); the source reads up to the
// last whole second before the server's clock, by design, so startMock (util.mjs) returns only once
// that second is past the anchor.
if (nowOffsetMs !== 0) options.now = () => Date.now() + nowOffsetMs;
const t0 = performance.now();
const mock = await startMockAda(options);
const startMs = performance.now() - t0;
// Data lies strictly before the server clock's value at start; anything later is after all of it.
const anchorMs = Date.now() + nowOffsetMs;

/** Whole-second epoch ms of a record's cursor, for window membership (bounds are whole seconds). */
function secondOf(stream) {
  if (stream === 'messages') {
    // Message ids are ObjectId-like: the first 8 hex digits are the creation second, and messages
    // are filtered on date_created. Far lighter than materialising a million records.
    return mock.ids('messages').map((id) => Number.parseInt(id.slice(0, 8), 16) * 1000);
  }
  // Conversations are filtered on date_updated (naive UTC, microseconds).
  return mock.records('conversations').map((r) => Date.parse(String(r.date_updated).slice(0, 19) + 'Z'));
}

function windowCounts(stream, windows) {
  const seconds = secondOf(stream);
  const bounds = windows.map((w) => [Date.parse(w.since), Date.parse(w.to)]);
  const counts = bounds.map(() => 0);
  for (const s of seconds) {
    for (let i = 0; i < bounds.length; i++) {
      if (s >= bounds[i][0] && s < bounds[i][1]) {
        counts[i]++;
        break;
      }
    }
  }
  return { counts, total: seconds.length };
}

process.on('message', async (msg) => {
  try {
    let result;
    switch (msg.cmd) {
      case 'stats':
        result = mock.stats();
        break;
      case 'resetStats':
        mock.resetStats();
        arrivals.length = 0;
        result = true;
        break;
      case 'arrivals':
        result = arrivals.slice();
        break;
      case 'windowCounts':
        result = windowCounts(msg.stream, msg.windows);
        break;
      case 'count':
        result = mock.ids(msg.stream).length;
        break;
      case 'allIds':
        result = mock.ids(msg.stream);
        break;
      case 'records':
        // Only the records with the given ids (for diagnosing a missing record).
        result = mock.records(msg.stream).filter((r) => msg.ids.includes(r._id));
        break;
      case 'memory':
        result = process.memoryUsage();
        break;
      case 'close':
        await mock.close();
        process.send({ id: msg.id, result: true }, () => process.exit(0));
        return;
      default:
        throw new Error(`unknown command ${msg.cmd}`);
    }
    process.send({ id: msg.id, result });
  } catch (error) {
    process.send({ id: msg.id, error: error instanceof Error ? error.stack : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));

process.send({ type: 'ready', url: mock.url, apiKey: mock.apiKey, anchorMs, startMs, rssMb: process.memoryUsage().rss / 2 ** 20 });

// The plain-Node baseline the source's CPU cost is compared with: fetch the same pages of the same
// windows (following next_page_uri), JSON.parse each page, and write one JSON.stringify line per
// record to stdout. No normalisation, de-duplication, state or protocol envelope. Windows are read
// as concurrently as the source reads them (window_concurrency), pages within a window in order,
// and each page's output is handed to stdout (waiting for it to be accepted) before the next
// request of that window, as the source does.
//
//   node bench/lib/baseline.mjs '{"origin","apiKey","endpoint","param","windows":[{since,to}],"pageSize","concurrency"}'
import http from 'node:http';

const job = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${job.apiKey}`, accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} for ${url}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function write(text) {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

let requests = 0;
async function readWindow(w) {
  const first = new URL(`/api/v2/export/${job.endpoint}`, job.origin);
  first.searchParams.set(`${job.param}_since`, w.since);
  first.searchParams.set(`${job.param}_to`, w.to);
  first.searchParams.set('page_size', String(job.pageSize));
  let url = first.toString();
  while (url) {
    const body = JSON.parse(await get(url));
    requests++;
    let out = '';
    for (const record of body.data) out += JSON.stringify(record) + '\n';
    if (out) await write(out);
    url = body.meta?.next_page_uri ?? null;
  }
}

let next = 0;
async function worker() {
  while (next < job.windows.length) await readWindow(job.windows[next++]);
}
await Promise.all(Array.from({ length: Math.min(job.concurrency, job.windows.length) }, worker));
process.stderr.write(JSON.stringify({ requests }) + '\n');
agent.destroy();

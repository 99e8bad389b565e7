#!/usr/bin/env node
// A stand-in source that replays what source-ada printed, for measuring ada-sync on its own (no
// mock, no HTTP, no source CPU in the same run): `discover` prints the recorded discover output,
// `read` the recorded read output, byte for byte.
//
//   ada-sync run --source-command "node replay-source.mjs DISCOVER.jsonl READ.jsonl" …
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

const [discoverFile, readFile, command] = process.argv.slice(2);
const file = command === 'discover' ? discoverFile : command === 'read' ? readFile : undefined;
if (!discoverFile || !readFile || !file) {
  process.stderr.write('usage: replay-source.mjs DISCOVER.jsonl READ.jsonl discover|read [options ignored]\n');
  process.exit(2);
}
await pipeline(createReadStream(file), process.stdout);

#!/usr/bin/env node
// Airbyte's acceptance tests compare the connector's `spec` output with
// packages/source-ada/integration_tests/spec.json. This keeps that file equal to what the built
// connector prints (run `pnpm build` first).
//
//   node scripts/airbyte-spec.mjs            check: exit 1 when the file differs from `source-ada spec`
//   node scripts/airbyte-spec.mjs --write    rewrite the file
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { write: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}packages/source-ada/bin/source-ada`;
const file = `${root}packages/source-ada/integration_tests/spec.json`;

const out = execFileSync(process.execPath, [bin, 'spec'], { encoding: 'utf8' });
const message = out
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l))
  .find((m) => m.type === 'SPEC');
if (!message) {
  console.error('source-ada spec printed no SPEC message; is the connector built (pnpm build)?');
  process.exit(1);
}
const expected = `${JSON.stringify(message.spec, null, 2)}\n`;
const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
if (current === expected) {
  console.log('integration_tests/spec.json matches `source-ada spec`.');
} else if (values.write) {
  writeFileSync(file, expected);
  console.log('integration_tests/spec.json rewritten from `source-ada spec`.');
} else {
  console.error('packages/source-ada/integration_tests/spec.json differs from `source-ada spec`; run `node scripts/airbyte-spec.mjs --write`.');
  process.exit(1);
}

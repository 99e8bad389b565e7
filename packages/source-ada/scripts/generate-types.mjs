// Generates src/generated/records.ts, the record types, from resources/schemas/<stream>.json.
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'resources/schemas');
const outDir = join(root, 'src/generated');
mkdirSync(outDir, { recursive: true });
let out = '/* Generated from resources/schemas/*.json by scripts/generate-types.mjs. Do not edit. */\n';
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort()) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  out += await compile(schema, schema.title ?? basename(file, '.json'), { bannerComment: '', format: false });
}
writeFileSync(join(outDir, 'records.ts'), out);

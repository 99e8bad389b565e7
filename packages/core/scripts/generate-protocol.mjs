// Generates src/generated/protocol.ts, the TypeScript protocol types, from the vendored Airbyte protocol YAML.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = parse(readFileSync(join(root, 'resources/airbyte_protocol.yaml'), 'utf8'));
const outDir = join(root, 'src/generated');
mkdirSync(outDir, { recursive: true });

// unreachableDefinitions: every definition becomes an exported type, not only those the two
// top-level properties reach.
const ts = await compile(structuredClone(schema), 'AirbyteProtocol', {
  bannerComment:
    '/* Generated from resources/airbyte_protocol.yaml (Airbyte protocol 0.18.0) by scripts/generate-protocol.mjs. Do not edit. */',
  additionalProperties: false,
  unreachableDefinitions: true,
  strictIndexSignatures: false,
  format: false,
});
writeFileSync(join(outDir, 'protocol.ts'), ts);

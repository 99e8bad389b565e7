#!/usr/bin/env node
// Keeps the Airbyte image's version in step with @ada-airbyte/source-ada's package version, which
// changesets bumps: `dockerImageTag` in metadata.yaml, `LABEL io.airbyte.version` in the Dockerfile,
// and a row for the version in the changelog of the Airbyte docs page.
//
//   node scripts/connector-version.mjs            check: exit 1 and name every place that drifted
//   node scripts/connector-version.mjs --write    bring them in step (run by `pnpm version-packages`)
//   --root DIR                                    another checkout (the tests use a copy)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { write: { type: 'boolean', default: false }, root: { type: 'string' } } });
const root = values.root ?? fileURLToPath(new URL('..', import.meta.url));
const CONNECTOR = 'packages/source-ada';
const DOCS = 'docs/integrations/sources/ada.md';
const path = (p) => join(root, p);
const show = (p) => relative(root, path(p)) || p;

const version = JSON.parse(readFileSync(path(`${CONNECTOR}/package.json`), 'utf8')).version;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One `key: value` line of a YAML file, edited as text so that comments and layout stay as they are. */
function line(file, pattern, label, replacement) {
  return {
    file,
    label,
    current() {
      const m = pattern.exec(readFileSync(path(file), 'utf8'));
      return m ? m[2] : undefined;
    },
    write() {
      const text = readFileSync(path(file), 'utf8');
      if (!pattern.test(text)) throw new Error(`${show(file)}: no ${label} to update`);
      writeFileSync(path(file), text.replace(pattern, (_all, head) => `${head}${replacement}`));
    },
  };
}

const places = [
  line(`${CONNECTOR}/metadata.yaml`, /^(\s+dockerImageTag:[ \t]*)["']?([^"'\s#]*)["']?/m, 'dockerImageTag', version),
  line(`${CONNECTOR}/Dockerfile`, /^(LABEL io\.airbyte\.version=)(\S*)/m, 'LABEL io.airbyte.version', version),
];

/** The `## Changelog` table of the docs page: one row per released version, newest first. */
function changelogHasRow(text) {
  const section = text.slice(text.indexOf('## Changelog'));
  return new RegExp(`^\\|\\s*${escape(version)}\\s*\\|`, 'm').test(section);
}

/** What changed in this version, from the package's CHANGELOG.md that changesets writes. */
function subject() {
  const file = path(`${CONNECTOR}/CHANGELOG.md`);
  if (!existsSync(file)) return 'Release';
  const text = readFileSync(file, 'utf8');
  const start = text.search(new RegExp(`^## ${escape(version)}\\s*$`, 'm'));
  if (start === -1) return 'Release';
  const rest = text.slice(start).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  const changes = (end === -1 ? rest : rest.slice(0, end))
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2).replace(/^[0-9a-f]{7,40}: /, '').replace(/\|/g, '\\|').trim())
    .filter((l) => l !== '' && !/^Updated dependencies/.test(l));
  if (changes.length === 0) return 'Dependency updates';
  const first = changes[0].replace(/\s+/g, ' ');
  const short = first.length > 160 ? `${first.slice(0, 157)}…` : first;
  return changes.length > 1 ? `${short} (and ${changes.length - 1} more; see the package changelog)` : short;
}

function addChangelogRow(text) {
  const at = text.indexOf('## Changelog');
  if (at === -1) throw new Error(`${DOCS}: no "## Changelog" section`);
  const lines = text.slice(at).split('\n');
  const separator = lines.findIndex((l) => /^\|\s*:?-+/.test(l));
  if (separator === -1) throw new Error(`${DOCS}: the changelog has no table`);
  const date = new Date().toISOString().slice(0, 10);
  lines.splice(separator + 1, 0, `| ${version} | ${date} | | ${subject()} |`);
  return text.slice(0, at) + lines.join('\n');
}

const drift = [];
for (const place of places) {
  const current = place.current();
  if (current !== version) drift.push({ what: `${show(place.file)}: ${place.label} is ${current ?? 'missing'}`, fix: () => place.write() });
}
const docs = readFileSync(path(DOCS), 'utf8');
if (!changelogHasRow(docs)) {
  drift.push({ what: `${DOCS}: the changelog has no row for ${version}`, fix: () => writeFileSync(path(DOCS), addChangelogRow(readFileSync(path(DOCS), 'utf8'))) });
}

if (drift.length === 0) {
  console.log(`source-ada ${version}: metadata.yaml, Dockerfile and the docs changelog are in step.`);
  process.exit(0);
}
if (values.write) {
  for (const d of drift) d.fix();
  console.log(`source-ada ${version}: updated ${drift.map((d) => d.what.split(':')[0]).join(', ')}.`);
  process.exit(0);
}
console.error(`source-ada's version is ${version} (${CONNECTOR}/package.json), but:`);
for (const d of drift) console.error(`  ${d.what}`);
console.error('Run `node scripts/connector-version.mjs --write` (`pnpm version-packages` runs it after `changeset version`).');
process.exit(1);

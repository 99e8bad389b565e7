import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { recordsOf } from '@ada-airbyte/core/testing';
import type { AirbyteCatalog } from '@ada-airbyte/core';
import type { MockAda } from '@ada-airbyte/mock-ada';
import { command, mockConfig, read, startMock, tempDir } from './helpers.js';

// What an Airbyte maintainer checks before taking the connector: metadata.yaml against Airbyte's own
// schema (vendored in test/vendor/airbyte-metadata), the docs page, the icon, the acceptance-test
// config and the files it names, the image's base, and the version in every place that carries it.

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const root = join(pkgDir, '..', '..');
const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
const metadata = () => parse(readFileSync(join(pkgDir, 'metadata.yaml'), 'utf8')) as { data: Record<string, any> };
const run = promisify(execFile);

/** A validator for Airbyte's ConnectorMetadataDefinitionV0, as its metadata service applies it. */
function metadataValidator() {
  const schema = JSON.parse(readFileSync(join(pkgDir, 'test', 'vendor', 'airbyte-metadata', 'ConnectorMetadataDefinitionV0.json'), 'utf8'));
  // Two flaws of the upstream bundle (see its README), repaired in memory. Each bundled part keeps its
  // own `$id`, against which a validator resolves the bundle-wide `#/properties/...` pointers inside it:
  // the parts' `$id`s go. And `"type": "ConnectorMetric"` is no JSON type: it points at the definition.
  const dropInnerIds = (node: unknown, top: boolean): void => {
    if (Array.isArray(node)) node.forEach((n) => dropInnerIds(n, false));
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (!top) {
        delete o.$id;
        delete o.$schema;
      }
      for (const value of Object.values(o)) dropInnerIds(value, false);
    }
  };
  dropInnerIds(schema, true);
  const metrics = schema.properties.data.properties.generated.properties.metrics;
  for (const key of ['all', 'cloud', 'oss']) metrics.properties[key] = { $ref: '#/properties/data/properties/generated/properties/metrics/definitions/ConnectorMetric' };
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    formats: {
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      uri: (v: string) => URL.canParse(v),
      date: /^\d{4}-\d{2}-\d{2}$/,
      'date-time': (v: string) => !Number.isNaN(Date.parse(v)),
    },
  });
  return ajv.compile(schema);
}

let mock: MockAda;
let catalog: AirbyteCatalog;
beforeAll(async () => {
  mock = await startMock({ seed: 3, rateLimits: false, conversations: 40 });
  const discover = await command('discover', mockConfig(mock));
  catalog = discover.messages.find((m) => m.type === 'CATALOG')!.catalog!;
});
afterAll(() => mock.close());

describe('metadata.yaml', () => {
  it("validates against Airbyte's ConnectorMetadataDefinitionV0", () => {
    const validate = metadataValidator();
    const valid = validate(metadata());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would fail that schema, naming the field, without githubIssueLabel (the schema is not a rubber stamp)', () => {
    const validate = metadataValidator();
    const broken = metadata();
    delete broken.data.githubIssueLabel;
    expect(validate(broken)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'githubIssueLabel' } }));
  });

  it('names the docs page, the icon and the image at the package version', () => {
    const { data } = metadata();
    expect(data.dockerImageTag).toBe(version);
    expect(data.documentationUrl).toBe('https://docs.airbyte.com/integrations/sources/ada');
    expect(existsSync(join(root, 'docs', 'integrations', 'sources', 'ada.md'))).toBe(true);
    const icon = readFileSync(join(pkgDir, data.icon as string), 'utf8');
    const viewBox = /<svg[^>]*\sviewBox="([\d.\s-]+)"/.exec(icon)![1]!.trim().split(/\s+/).map(Number);
    expect(viewBox[2], 'Airbyte wants a square icon').toBe(viewBox[3]);
  });
});

describe('the docs page', () => {
  const docs = readFileSync(join(root, 'docs', 'integrations', 'sources', 'ada.md'), 'utf8');
  const section = (heading: string) => {
    const start = docs.indexOf(`\n${heading}\n`);
    const end = docs.indexOf('\n## ', start + heading.length + 2);
    return docs.slice(start, end === -1 ? undefined : end);
  };

  it("follows Airbyte's layout: setup, sync modes, streams, rate limits, changelog", () => {
    const headings = docs.split('\n').filter((l) => /^#{1,2} /.test(l));
    const order = ['# Ada', '## Prerequisites', '## Setup guide', '## Supported sync modes', '## Supported Streams', '## Rate limits', '## Changelog'];
    expect(headings.filter((h) => order.includes(h))).toEqual(order);
    expect(docs).toContain('<HideInUI>');
    expect(section('## Changelog')).toMatch(/<details>[\s\S]*\| Version \| Date \| Pull Request \| Subject \|[\s\S]*<\/details>/);
    expect(section('## Changelog')).toMatch(new RegExp(`^\\| ${version.replaceAll('.', '\\.')} \\| \\d{4}-\\d{2}-\\d{2} \\|`, 'm'));
  });

  it('lists every stream the connector discovers, with its sync modes', () => {
    expect(catalog.streams.length).toBeGreaterThan(0);
    const streams = section('## Supported Streams');
    for (const stream of catalog.streams) {
      const row = streams.split('\n').find((l) => l.startsWith(`| \`${stream.name}\` |`));
      expect(row, `${stream.name} is missing from the streams table`).toBeDefined();
      expect(row).toContain(stream.supported_sync_modes.includes('incremental') ? 'Incremental' : 'Full Refresh');
    }
  });

  it('describes every required config field in Prerequisites', async () => {
    const spec = (await command('spec')).messages[0]!.spec!.connectionSpecification as { required: string[]; properties: Record<string, { title?: string }> };
    const prerequisites = section('## Prerequisites');
    for (const field of spec.required) expect(prerequisites.toLowerCase(), field).toContain(spec.properties[field]!.title!.toLowerCase());
  });
});

describe('acceptance-test-config.yml', () => {
  const config = parse(readFileSync(join(pkgDir, 'acceptance-test-config.yml'), 'utf8')) as { connector_image: string; acceptance_tests: Record<string, { tests: Record<string, unknown>[] }> };
  const paths = (): string[] => {
    const found: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key.endsWith('_path') && typeof value === 'string') found.push(value);
          else walk(value);
        }
      }
    };
    walk(config);
    return found;
  };

  it('tests the dev image of the metadata repository, and every file it names outside secrets/ exists', () => {
    expect(config.connector_image).toBe(`${metadata().data.dockerRepository}:dev`);
    expect(Object.keys(config.acceptance_tests)).toEqual(expect.arrayContaining(['spec', 'connection', 'discovery', 'basic_read', 'full_refresh', 'incremental']));
    const files = paths().filter((p) => !p.startsWith('secrets/'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(join(pkgDir, file)), file).toBe(true);
  });

  it('holds the spec the connector prints (run `node scripts/airbyte-spec.mjs --write` after changing the config)', async () => {
    const spec = (await command('spec')).messages[0]!.spec;
    expect(JSON.parse(readFileSync(join(pkgDir, 'integration_tests', 'spec.json'), 'utf8'))).toEqual(spec);
  });

  it("has an invalid config that check refuses with a FAILED status, as CAT's connection test expects", async () => {
    const invalid = JSON.parse(readFileSync(join(pkgDir, 'integration_tests', 'invalid_config.json'), 'utf8'));
    // Against the mock, so that the test needs no network: the key is what makes it invalid.
    const check = await command('check', { ...invalid, base_url: mock.url });
    expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS')!.connectionStatus!.status).toBe('FAILED');
  });

  it('has a future state for every incremental stream, and a read from it emits nothing', async () => {
    const states = JSON.parse(readFileSync(join(pkgDir, 'integration_tests', 'abnormal_state.json'), 'utf8')) as { stream: { stream_descriptor: { name: string } } }[];
    const named = new Set(states.map((s) => s.stream.stream_descriptor.name));
    const incremental = catalog.streams.filter((s) => s.supported_sync_modes.includes('incremental'));
    expect(incremental.length).toBeGreaterThan(0);
    for (const stream of incremental) expect(named.has(stream.name), `${stream.name} has no state in abnormal_state.json`).toBe(true);
    const configured = {
      streams: incremental.map((stream) => ({
        stream,
        sync_mode: 'incremental',
        cursor_field: stream.default_cursor_field,
        destination_sync_mode: 'append',
      })),
    };
    const future = await read({ config: mockConfig(mock), catalog: configured, state: states as never });
    expect(future.code).toBe(0);
    expect(recordsOf(future)).toEqual([]);
  });
});

describe('the image', () => {
  const dockerfile = readFileSync(join(pkgDir, 'Dockerfile'), 'utf8');

  it('builds on a Node LTS that is still supported, named once and pinnable by digest', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)![1]!;
    const major = Number(/^node:(\d+)-/.exec(base)![1]);
    // End of life of each Node LTS line (nodejs.org/en/about/previous-releases).
    const endOfLife: Record<number, string> = { 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' };
    expect(endOfLife[major], `node ${major} is not a known LTS line`).toBeDefined();
    expect(Date.now(), `node ${major} reached its end of life on ${endOfLife[major]}`).toBeLessThan(Date.parse(endOfLife[major]!));
    const froms = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?$/);
  });

  it('keeps node_modules and build output out of the build context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });
});

describe('versions in step', () => {
  const script = join(root, 'scripts', 'connector-version.mjs');

  it('the check passes on this checkout', async () => {
    const { stdout } = await run(process.execPath, [script]);
    expect(stdout).toContain(`source-ada ${version}:`);
  });

  it('`pnpm version-packages` (changeset version, then the sync) bumps the image version and docs with the package', async () => {
    // A copy of the files changesets and the sync touch, with one pending changeset for source-ada.
    const dir = tempDir();
    const files = [
      'package.json', 'pnpm-workspace.yaml', '.changeset/config.json', 'scripts/connector-version.mjs',
      'packages/core/package.json', 'packages/mock-ada/package.json', 'packages/source-ada/package.json', 'apps/sync/package.json',
      'packages/source-ada/metadata.yaml', 'packages/source-ada/Dockerfile', 'docs/integrations/sources/ada.md',
    ];
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(root, file), join(dir, file));
    }
    writeFileSync(join(dir, '.changeset', 'new-stream.md'), '---\n"@ada-airbyte/source-ada": minor\n---\n\nA new stream | with a pipe.\n');
    const drifted = () => run(process.execPath, [join(dir, 'scripts', 'connector-version.mjs')]).then(() => undefined, (e: { stderr: string }) => e.stderr);

    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['version-packages']!;
    const bin = join(root, 'node_modules', '.bin');
    // changeset alone bumps the package and leaves the rest behind: the check says where.
    await run(join(bin, 'changeset'), ['version'], { cwd: dir });
    const bumped = (JSON.parse(readFileSync(join(dir, 'packages/source-ada/package.json'), 'utf8')) as { version: string }).version;
    expect(bumped).not.toBe(version);
    const complaint = await drifted();
    expect(complaint).toContain(`dockerImageTag is ${version}`);
    expect(complaint).toContain(`io.airbyte.version is ${version}`);
    expect(complaint).toContain(`the changelog has no row for ${bumped}`);

    // The version script, as the release workflow runs it, from a state before changeset version.
    rmSync(dir, { recursive: true, force: true });
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(root, file), join(dir, file));
    }
    writeFileSync(join(dir, '.changeset', 'new-stream.md'), '---\n"@ada-airbyte/source-ada": minor\n---\n\nA new stream | with a pipe.\n');
    await run('sh', ['-c', script], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(await drifted()).toBeUndefined();
    expect(metadataOf(dir).data.dockerImageTag).toBe(bumped);
    expect(readFileSync(join(dir, 'packages/source-ada/Dockerfile'), 'utf8')).toContain(`LABEL io.airbyte.version=${bumped}\n`);
    expect(readFileSync(join(dir, 'docs/integrations/sources/ada.md'), 'utf8')).toMatch(new RegExp(`^\\| ${bumped.replaceAll('.', '\\.')} \\| \\d{4}-\\d{2}-\\d{2} \\| \\| A new stream \\\\\\| with a pipe\\. \\|$`, 'm'));
    rmSync(dir, { recursive: true, force: true });
  });
});

function metadataOf(dir: string) {
  return parse(readFileSync(join(dir, 'packages', 'source-ada', 'metadata.yaml'), 'utf8')) as { data: Record<string, any> };
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR } from './helpers.js';

// What a new user gets from npm, outside this repository: every package packed as it would be
// published (`pnpm pack` turns workspace:* into versions), the tarballs installed with npm into an
// empty folder, and the installed commands run from there. Nothing may come from the repository: the
// install sits outside it, and the repository's bin folders are taken off PATH.

const run = promisify(execFile);
const REPO = resolve(APP_DIR, '..', '..');

/** The repository's publishable packages: every workspace package that is not private. */
function packageDirs(): string[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(REPO, group))
      .map((name) => join(REPO, group, name))
      .filter((dir) => existsSync(join(dir, 'package.json')) && !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean }).private),
  );
}

let work: string;
let app: string;
let env: NodeJS.ProcessEnv;
const timings: Record<string, number> = {};

async function timed<T>(label: string, task: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await task();
  } finally {
    timings[label] = Date.now() - started;
  }
}

function npx(args: string[], options: { cwd?: string } = {}) {
  return run('npx', args, { cwd: options.cwd ?? app, env, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

// The install needs npm's registry for the packages' own dependencies. CI always runs this test;
// elsewhere, without the registry, the reason for skipping is printed.
const offline = process.env.CI ? undefined : await registryUnreachable();
if (offline) console.warn(`skipping the packed-install test: ${offline}`);

describe.skipIf(offline !== undefined)('the packages as published, installed with npm in an empty folder', () => {
  beforeAll(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), 'ada-packed-install-')));
    const packs = join(work, 'packs');
    app = join(work, 'app');
    mkdirSync(packs);
    mkdirSync(app);
    // The repository's node_modules/.bin folders (vitest runs with them on PATH) must not answer for the install.
    env = {
      ...process.env,
      PATH: (process.env.PATH ?? '').split(delimiter).filter((p) => !p.startsWith(REPO)).join(delimiter),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error',
    };
    for (const key of Object.keys(env)) if (key.startsWith('npm_package_') || key === 'npm_config_user_agent' || key === 'INIT_CWD') delete env[key];

    const dirs = packageDirs();
    expect(dirs.map((d) => d.slice(REPO.length + 1)).sort()).toEqual(['apps/sync', 'packages/core', 'packages/mock-ada', 'packages/source-ada']);
    await timed('pack', () => Promise.all(dirs.map((dir) => run('pnpm', ['pack', '--pack-destination', packs], { cwd: dir, env }))));
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ada-sync-user', private: true }));
    // --prefer-offline: dependencies come from npm's cache when it has them, else from the registry.
    await timed('npm install', () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: app, env, maxBuffer: 64 * 1024 * 1024 }));
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`packed install timings (ms): ${JSON.stringify(timings)}`);
  });

  it('carry their build, their licence and no workspace: ranges', () => {
    for (const name of ['core', 'source-ada', 'mock-ada', 'sync']) {
      const dir = join(app, 'node_modules', '@ada-airbyte', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
      expect(manifest.private, name).toBeUndefined();
      expect(manifest.license, name).toBe('MIT');
      expect(existsSync(join(dir, 'LICENSE')), `${name}: LICENSE`).toBe(true);
      expect(existsSync(join(dir, 'README.md')), `${name}: README.md`).toBe(true);
      expect(existsSync(join(dir, 'dist')), `${name}: dist`).toBe(true);
      expect(existsSync(join(dir, 'test')), `${name}: no tests`).toBe(false);
      expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toContain('workspace:');
    }
  });

  it('`npx source-ada spec` prints the spec', async () => {
    const spec = await timed('source-ada spec', () => npx(['source-ada', 'spec']));
    expect(spec.code).toBe(0);
    const messages = spec.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(messages.map((m) => m.type)).toEqual(['SPEC']);
  });

  it('`npx @ada-airbyte/sync --help` and `--version` answer', async () => {
    const help = await npx(['@ada-airbyte/sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ada-sync validate --config');
    const version = await npx(['@ada-airbyte/sync', '--version']);
    const sync = JSON.parse(readFileSync(join(app, 'node_modules', '@ada-airbyte', 'sync', 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(sync.version);
  });

  it('`npx @ada-airbyte/sync demo` runs the demo from the install', async () => {
    const demo = await timed('ada-sync demo', () => npx(['@ada-airbyte/sync', 'demo', '--quiet']));
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/Incremental sync moved \d+ conversations and \d+ messages/);
    expect(existsSync(join(app, 'ada-demo.duckdb'))).toBe(true);
  });

  it('`npx @ada-airbyte/sync run --config ada.json` syncs a mock-ada started from the install', async () => {
    const mock = spawn(join(app, 'node_modules', '.bin', 'mock-ada'), ['--seed', '3', '--conversations', '200', '--history-days', '20'], { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await listeningUrl(mock);
      writeFileSync(join(app, 'ada.json'), JSON.stringify({ api_key: 'test-api-key', handle: 'acme', base_url: url }));
      const sync = await timed('ada-sync run', () => npx(['@ada-airbyte/sync', 'run', '--config', 'ada.json', '--destination', 'jsonl:./export', '--quiet', '--json']));
      expect(sync.code).toBe(0);
      const summary = JSON.parse(sync.stdout) as { status: string; streams: { stream: string; records_read: number }[] };
      expect(summary.status).toBe('succeeded');
      const read = summary.streams.find((s) => s.stream === 'conversations')!.records_read;
      expect(read).toBeGreaterThan(150);
      expect(readFileSync(join(app, 'export', 'conversations.jsonl'), 'utf8').trim().split('\n')).toHaveLength(read);
    } finally {
      mock.kill('SIGTERM');
    }
  });
});

async function registryUnreachable(): Promise<string | undefined> {
  try {
    await run('npm', ['ping', '--loglevel=error'], { timeout: 20_000 });
    return undefined;
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    return `npm's registry is not reachable (${(e.stderr || e.message || '').trim().split('\n')[0]})`;
  }
}

/** The URL mock-ada prints once it listens. */
function listeningUrl(mock: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const lines = createInterface({ input: mock.stdout! });
    lines.on('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) resolveUrl(m[1]!);
    });
    mock.once('exit', (code) => reject(new Error(`mock-ada exited with code ${code} before listening`)));
    mock.once('error', reject);
  });
}

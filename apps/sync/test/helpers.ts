import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { it } from 'vitest';

export const APP_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CLI = join(APP_DIR, 'bin', 'ada-sync');
export const FAKE_SOURCE = join(APP_DIR, 'test', 'fixtures', 'fake-source.mjs');
export const FAKE_SOURCE_COMMAND = `${process.execPath} ${FAKE_SOURCE}`;

export interface WorldRecord {
  _id: string;
  [field: string]: unknown;
}

export interface World {
  /** `articles`, when there, is a full-refresh-only stream read a page at a time (see fake-source.mjs). */
  streams: { conversations: WorldRecord[]; messages: WorldRecord[]; articles?: WorldRecord[] };
  extraProperties?: Record<string, Record<string, unknown>>;
}

/** Microsecond timestamps, as source-ada emits them. */
export function ts(base: number, offsetSeconds: number, micros = 0): string {
  const d = new Date(base + offsetSeconds * 1000);
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

const BASE = Date.UTC(2024, 0, 1);

export function makeWorld(conversations: number, messagesPer: number): World {
  const world: World = { streams: { conversations: [], messages: [] } };
  for (let i = 0; i < conversations; i++) {
    const id = `c${String(i).padStart(5, '0')}`;
    world.streams.conversations.push({
      _id: id,
      date_created: ts(BASE, i * 60, i % 1000),
      date_updated: ts(BASE, i * 60 + 30, i % 1000),
      platform: i % 3 === 0 ? 'web' : 'messenger',
      is_escalated: i % 4 === 0,
      csat: i % 5,
      handle_time: i / 7,
      variables: { plan: i % 2 ? 'pro' : 'free', tags: ['a', 'b'] },
      answer_ids: [`a${i}`],
    });
    for (let j = 0; j < messagesPer; j++) {
      world.streams.messages.push({
        _id: `${id}-m${j}`,
        conversation_id: id,
        date_created: ts(BASE, i * 60 + j, j),
        sender: j % 2 ? 'bot' : 'chatter',
        text: `message ${j} of ${id} with "quotes", commas, and a newline\nhere`,
      });
    }
  }
  return world;
}

export class Workspace {
  readonly dir: string;
  readonly worldPath: string;
  readonly configPath: string;

  constructor(world: World, config: Record<string, unknown> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'ada-sync-test-'));
    this.worldPath = join(this.dir, 'world.json');
    this.configPath = join(this.dir, 'config.json');
    this.setWorld(world);
    this.setConfig(config);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  setWorld(world: World): void {
    writeFileSync(this.worldPath, JSON.stringify(world));
  }

  world(): World {
    return JSON.parse(readFileSync(this.worldPath, 'utf8')) as World;
  }

  setConfig(config: Record<string, unknown>): void {
    writeFileSync(this.configPath, JSON.stringify({ world: this.worldPath, page_size: 50, ...config }));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Every state commits at once unless a test says otherwise, so crash tests have checkpoints to resume from. */
export const TEST_ENV = { ADA_SYNC_COMMIT_MS: '0', ADA_SYNC_COMMIT_RECORDS: '0' };

export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd ?? tmpdir(),
    // A SIGKILLed sync cannot remove its temp files; inside the test's folder they go with it.
    env: { ...process.env, ...TEST_ENV, ...(options.cwd ? { TMPDIR: options.cwd } : {}), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; nodeArgs?: string[] } = {},
): Promise<CliResult> {
  return collect(startCli(args, options), options.input);
}

/** `run` against the fake source. */
export function syncFake(ws: Workspace, destinationArgs: string[], extra: string[] = [], env?: Record<string, string>): Promise<CliResult> {
  return runCli(['run', '--config', ws.configPath, '--source-command', FAKE_SOURCE_COMMAND, ...destinationArgs, ...extra], {
    cwd: ws.dir,
    ...(env ? { env } : {}),
  });
}

export async function duckdbQuery(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why the PostgreSQL tests of a file cannot run here, or undefined when they can: the one place that
 * decides whether they skip. Locally an unreachable server skips them, saying why. In CI (`CI` set,
 * as .ci/run does) they must run, so the file gets one failing test whose error is one sentence; the
 * PostgreSQL tests are not run, and the file's other tests still are.
 */
export async function postgresUnavailable(tests: string): Promise<string | undefined> {
  const reason = await postgresUnreachable();
  if (reason === undefined) return undefined;
  if (process.env.CI) {
    it('PostgreSQL is reachable (in CI the PostgreSQL tests never skip)', () => {
      throw new Error(`${reason}, and in CI the ${tests} must run: start PostgreSQL or set DATABASE_URL.`);
    });
  } else {
    console.warn(`skipping the ${tests}: ${reason}`);
  }
  return reason;
}

async function postgresUnreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${withoutPassword(DATABASE_URL)} is not reachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export async function pgQuery(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export function postgresUri(schema: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export function waitForFile(path: string, timeoutMs = 30_000): Promise<string> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const poll = () => {
      try {
        const text = readFileSync(path, 'utf8');
        if (text) return resolvePromise(text);
      } catch {
        // not yet
      }
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${path}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** Resolves once `check` holds, asking again every 25 ms (an event another process brings about). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for a condition');
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 25));
  }
}

export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Sorted `_id`s of a record list. */
export function ids(records: readonly object[]): string[] {
  return records.map((r) => String((r as { _id?: unknown })._id)).sort();
}

/** `count` articles of the full-refresh-only stream, each saying which `version` of the world it is from. */
export function makeArticles(count: number, version: number): WorldRecord[] {
  return Array.from({ length: count }, (_, i) => ({ _id: `a${String(i).padStart(4, '0')}`, title: `article ${i}, version ${version}`, version }));
}

/** Resolves once the child has printed a stderr line containing `text` (a line it prints only after the event in question). */
export function stderrLine(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stderr?.off('data', onData);
        resolvePromise();
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', () => reject(new Error(`exited before printing "${text}": ${seen.slice(-2000)}`)));
  });
}

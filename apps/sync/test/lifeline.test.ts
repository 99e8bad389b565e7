import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, isRunning } from '@ada-airbyte/core/testing';
import { CLI, FAKE_SOURCE_COMMAND, Workspace, duckdbQuery, makeWorld, syncFake } from './helpers.js';

// SIGKILL of ada-sync's whole process group: ada-sync starts its source and destination commands in
// process groups of their own (so that it can stop them), so they are not killed with it and must
// notice on their own that their caller is gone.

/** Resolves once `path` exists (the fake source writes it when it hangs). */
async function fileAppears(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Polls until every pid has ended; the pids still running after `withinMs` are killed and returned. */
async function survivors(pids: number[], withinMs: number): Promise<number[]> {
  const started = Date.now();
  while (pids.some(isRunning) && Date.now() - started < withinMs) await new Promise((resolve) => setTimeout(resolve, 50));
  const left = pids.filter(isRunning);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left;
}

async function listening<S extends Server | HttpServer>(server: S): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('nothing outlives ada-sync killed with its process group', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ada-sync-lifeline-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `ada-sync run` in a process group of its own, against `baseUrl`, with extra arguments. */
  function startSync(baseUrl: string, extra: string[] = []) {
    const config = join(dir, `ada-${Math.random()}.json`);
    writeFileSync(config, JSON.stringify({ api_key: 'test-api-key', handle: 'acme', base_url: baseUrl, max_retries: 20 }));
    const args = ['run', '--config', config, '--quiet', ...(extra.length ? extra : ['--destination', `duckdb:${join(dir, `${Math.random()}.duckdb`)}`])];
    return spawn(process.execPath, [CLI, ...args], { cwd: dir, detached: true, stdio: 'ignore', env: { ...process.env, TMPDIR: dir } });
  }

  /** Once `ready` resolves, SIGKILLs the group and returns the processes ada-sync had started that are still running 3 s later. */
  async function killGroupWhen(sync: ReturnType<typeof startSync>, ready: Promise<void>, commands: number): Promise<number[]> {
    await ready;
    let started = childPids(sync.pid!);
    // `ready` is the source's first request, so every command is up by now; ps may lag a little.
    for (let tries = 0; started.length < commands && tries < 50; tries++) started = childPids(sync.pid!);
    expect(started.length).toBeGreaterThanOrEqual(commands);
    process.kill(-sync.pid!, 'SIGKILL');
    return survivors(started, 3000);
  }

  it('while the source waits on an Ada that never answers', async () => {
    const silent = createServer(() => undefined);
    const url = await listening(silent);
    try {
      const connected = new Promise<void>((resolve) => silent.once('connection', () => resolve()));
      expect(await killGroupWhen(startSync(url), connected, 1)).toEqual([]);
    } finally {
      silent.close();
    }
  });

  it('while the source retries an Ada that only answers 503', async () => {
    let requests = 0;
    let retried!: () => void;
    const retrying = new Promise<void>((resolve) => (retried = resolve));
    const failing = createHttpServer((_req, res) => {
      if (++requests === 2) retried();
      res.writeHead(503).end();
    });
    const url = await listening(failing);
    try {
      expect(await killGroupWhen(startSync(url), retrying, 1)).toEqual([]);
    } finally {
      failing.closeAllConnections();
      failing.close();
    }
  });

  it('nor does a destination command, which keeps the tables of the last sync as they were', async () => {
    const world = makeWorld(30, 1);
    world.streams.articles = Array.from({ length: 30 }, (_, i) => ({ _id: `art${i}`, version: 1 }));
    const ws = new Workspace(world);
    try {
      const db = ws.path('by-command.duckdb');
      writeFileSync(ws.path('dest.json'), JSON.stringify({ destination_path: db }));
      const args = ['--destination-command', `${process.execPath} ${CLI} destination duckdb`, '--destination-config', ws.path('dest.json')];
      const first = await syncFake(ws, args);
      expect(first.code, first.stderr).toBe(0);
      const rows = () => duckdbQuery(db, 'SELECT (SELECT count(*) FROM conversations) AS conversations, (SELECT count(*) FROM articles) AS articles');
      const before = await rows();
      expect(before).toEqual([{ conversations: '30', articles: '30' }]);

      // The source hangs before it says anything of any stream: the destination has nothing but an
      // end of input when ada-sync dies, which must not pass for every stream being complete.
      const signal = ws.path('hung');
      ws.setConfig({ partial_record_then_hang: true, signal_file: signal });
      const sync = spawn(process.execPath, [CLI, 'run', '--config', ws.configPath, '--quiet', '--source-command', FAKE_SOURCE_COMMAND, ...args], {
        cwd: ws.dir,
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, TMPDIR: ws.dir },
      });
      // The source and the destination's write.
      expect(await killGroupWhen(sync, fileAppears(signal), 2)).toEqual([]);
      expect(await rows()).toEqual(before);
    } finally {
      ws.cleanup();
    }
  });
});

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning } from '@ada-airbyte/core/testing';
import { type MockAda } from '@ada-airbyte/mock-ada';
import { BIN, catalog, mockConfig, startMock, tempDir, writeJson } from './helpers.js';

const PARENT = new URL('./fixtures/parent.mjs', import.meta.url).pathname;

/** Resolves with how long the process took to end, or rejects after `withinMs`. */
async function endsWithin(pid: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (isRunning(pid)) {
    if (Date.now() - started > withinMs) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`process ${pid} was still running ${withinMs} ms later`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

function readArgs(config: Record<string, unknown>): string[] {
  const dir = tempDir();
  return ['read', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog('incremental', ['messages']))];
}

/** A port where a connection is accepted and then never answered: the slowest possible Ada. */
async function silentServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('source-ada never outlives its caller', () => {
  let mock: MockAda;
  afterAll(() => mock?.close());

  it('stops within 2 s of its parent dying by SIGKILL while it waits on an Ada that never answers', async () => {
    const { server, url } = await silentServer();
    try {
      const parent = spawn(process.execPath, [PARENT, ...readArgs({ api_key: 'k', handle: 'acme', base_url: url })], { stdio: ['ignore', 'pipe', 'ignore'] });
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      // Let the source start its request before its parent goes.
      await new Promise<void>((resolve) => server.once('connection', () => resolve()));
      parent.kill('SIGKILL');
      expect(await endsWithin(pid, 3000)).toBeLessThan(2500);
    } finally {
      server.close();
    }
  });

  it('stops within 2 s of its stdout being closed while it waits on a slow Ada', async () => {
    mock = await startMock({ seed: 70, conversations: 20, historyDays: 10, latencyMs: 60_000, rateLimits: false });
    const source = spawn(BIN, readArgs(mockConfig(mock)), { stdio: ['ignore', 'pipe', 'ignore'] });
    // Once its first request reached Ada, the reader goes away.
    while (mock.stats().requests === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    source.stdout.destroy();
    expect(await endsWithin(source.pid!, 3000)).toBeLessThan(2500);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli.js';
import { get, start } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/mock-ada', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const LISTENING = /^mock-ada listening on (http:\/\/127\.0\.0\.1:\d+) \(api key: (\S+)\)$/;

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Runs bin/mock-ada from an unrelated directory and resolves with its first stdout line. */
function launch(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(BIN, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, line: out.slice(0, newline) });
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`mock-ada exited with ${code} before listening: ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(BIN, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('mock-ada command', () => {
  beforeAll(() => {
    if (!existsSync(DIST)) throw new Error('dist/cli.js is missing: run `pnpm --filter @ada-airbyte/mock-ada build` first');
  });

  it('prints one listening line, serves the same data as the library, and stops cleanly on SIGTERM', async () => {
    const args = ['--port', '0', '--seed', '3', '--conversations', '60', '--now', '2026-03-01T10:00:00Z', '--api-key', 'cli-key', '--no-rate-limits'];
    const { child, line } = await launch(args);
    const m = LISTENING.exec(line);
    expect(m, line).not.toBeNull();
    const [, url = '', key = ''] = m ?? [];
    expect(key).toBe('cli-key');
    const path = '/api/v2/export/conversations?updated_since=2026-01-15T00:00:00Z&updated_to=2026-03-01T00:00:00Z&page_size=100';
    const res = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer cli-key' } });
    expect(res.status).toBe(200);
    const body = await res.text();
    const lib = await start({ seed: 3, conversations: 60, apiKey: 'cli-key' });
    const expected = await (await get(lib, path)).text();
    expect(body).toBe(expected.replaceAll(lib.url, url));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('applies rate-limit and fault flags', async () => {
    const { child, line } = await launch(['--port=0', '--conversations', '10', '--rate-limit-per-second', '2', '--fault-429', '1', '--fault-retry-after', '4']);
    const [, url = ''] = LISTENING.exec(line) ?? [];
    const path = `${url}/api/v2/export/messages?created_since=${new Date(Date.now() - 86_400_000).toISOString().slice(0, 19)}Z`;
    const headers = { authorization: 'Bearer test-api-key' };
    const injected = await fetch(path, { headers });
    expect(injected.status).toBe(429);
    expect(injected.headers.get('retry-after')).toBe('4');
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
  });

  it('prints usage for --help and fails with exit code 2 on unknown or malformed options', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mock-ada');
    const unknown = await run(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--bogus"');
    const malformed = await run(['--port', 'abc']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--port expects a number');
    const invalid = await run(['--fault-5xx', '2']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('between 0 and 1');
  });

  it('maps every flag onto the library options', () => {
    const o = parseArgs([
      '--port', '8080', '--seed', '7', '--conversations', '100', '--messages-per-conversation', '3', '--history-days', '400',
      '--tie-groups', '4', '--latency-ms', '20', '--api-key', 'k', '--handle', 'shop', '--no-undocumented-fields',
      '--rate-limit-per-second', '5', '--rate-limit-per-minute', '50', '--rate-limit-per-day', '500',
      '--fault-5xx', '0.1', '--fault-429', '0.05', '--fault-reset', '0.03', '--fault-slow', '0.02', '--fault-truncate', '0.01', '--fault-retry-after', '2',
    ]);
    expect(o).toEqual({
      port: 8080, seed: 7, conversations: 100, messagesPerConversation: 3, historyDays: 400, tieGroups: 4, latencyMs: 20,
      apiKey: 'k', handle: 'shop', undocumentedFields: false,
      rateLimits: { perSecond: 5, perMinute: 50, perDay: 500 },
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.05, resetRate: 0.03, slowBodyRate: 0.02, truncatedBodyRate: 0.01, retryAfterSeconds: 2 },
    });
    expect(parseArgs(['--no-rate-limits'])?.rateLimits).toBe(false);
    expect(parseArgs(['--forbidden-api-key', 'a', '--forbidden-api-key=b'])?.forbiddenApiKeys).toEqual(['a', 'b']);
    expect(parseArgs(['--now', '2026-03-01T10:00:00Z'])?.now?.()).toBe(Date.parse('2026-03-01T10:00:00Z'));
    expect(parseArgs(['-h'])).toBeNull();
  });

  it('maps the list, audit-log and group rate-limit flags', () => {
    const o = parseArgs([
      '--articles', '200', '--knowledge-sources', '5', '--knowledge-tags', '3', '--playbooks', '9', '--audit-events', '1000', '--no-audit-log',
      '--forbidden-stream', 'playbooks', '--forbidden-stream=channels',
      '--group-rate-limit', 'default=5,50,500', '--group-rate-limit=endUsers=30,300,none', '--group-rate-limit', 'auditLog=off',
    ]);
    expect(o).toMatchObject({
      articles: 200, knowledgeSources: 5, knowledgeTags: 3, playbooks: 9, auditEvents: 1000, auditLog: false,
      forbiddenStreams: ['playbooks', 'channels'],
      groupRateLimits: { default: { perSecond: 5, perMinute: 50, perDay: 500 }, endUsers: { perSecond: 30, perMinute: 300, perDay: null }, auditLog: false },
    });
    expect(() => parseArgs(['--forbidden-stream', 'tickets'])).toThrow(/expects one of conversations, messages, knowledge_articles/);
    expect(() => parseArgs(['--group-rate-limit', 'export=1,2,3'])).toThrow(/--rate-limit-per-second/);
    expect(() => parseArgs(['--group-rate-limit', 'nope=1,2,3'])).toThrow(/unknown group "nope"/);
    for (const bad of ['default=1,2', 'default=1,2,3,4', 'default=a,2,3', 'default=none,2,3', 'default']) {
      expect(() => parseArgs(['--group-rate-limit', bad]), bad).toThrow(/expects GROUP=PER_SECOND,PER_MINUTE,PER_DAY/);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockAda, startMockAda } from '@ada-airbyte/mock-ada';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids } from '@ada-airbyte/core/testing';
import { collect, duckdbQuery, killQuietly, runCli, startCli } from './helpers.js';

// These run the real source-ada (resolved from the workspace, as users get it) against mock-ada.

describe('with source-ada and mock-ada', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ada-sync-real-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A source-ada config file for `mock`, reading from `daysBack` days ago (to the second). */
  function adaConfig(name: string, mock: MockAda, daysBack: number, fields: Record<string, unknown>): string {
    const path = join(dir, name);
    const start = new Date(Date.now() - daysBack * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    writeFileSync(path, JSON.stringify({ api_key: mock.apiKey, handle: 'acme', base_url: mock.url, start_date: start, ...fields }));
    return path;
  }

  it('runs the demo as the README gives it', async () => {
    const cwd = join(dir, 'demo');
    execFileSync('mkdir', ['-p', cwd]);
    const result = await runCli(['demo'], { cwd, env: { ADA_SYNC_COMMIT_MS: '1000', ADA_SYNC_COMMIT_RECORDS: '10000' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Full refresh into duckdb:./ada-demo.duckdb finished');
    expect(result.stdout).toMatch(/day\s+conversations\s+escalation_rate_pct/);
    // Three streams joined: conversations' used_articles, the articles and their sources.
    expect(result.stdout).toMatch(/cited in most conversations:[\s\S]*article\s+source\s+conversations\n-+\s+-+\s+-+\n\S.*\s+\d+\n/);
    expect(result.stdout).toMatch(
      /Incremental sync moved 25 conversations and \d+ messages \(20 conversations updated in place, 5 new; \d+ new messages\)\./,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const db = join(cwd, 'ada-demo.duckdb');
    expect(existsSync(db)).toBe(true);
    expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM conversations')).toEqual([{ n: '1505', d: '1505' }]);
    const [messages] = await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM messages');
    expect(messages?.n).toBe(messages?.d);
  });

  describe('killed with SIGKILL mid-sync', () => {
    let mock: MockAda;
    beforeAll(async () => {
      mock = await startMockAda({ seed: 11, conversations: 2_500, messagesPerConversation: 4, historyDays: 20, latencyMs: 15, rateLimits: false });
    });
    afterAll(async () => {
      await mock?.close();
    });

    it('reruns to every record of the mock exactly once', async () => {
      const config = adaConfig('ada.json', mock, 25, { page_size: 100, requests_per_second: 50, requests_per_minute: 3000 });
      const db = join(dir, 'killed.duckdb');
      // A full read takes about 55 requests: the first kill lands in conversations, the second in messages.
      for (const killAtRequest of [8, 30]) {
        mock.resetStats();
        const child = startCli(['run', '--config', config, '--destination', `duckdb:${db}`], { cwd: dir });
        const done = collect(child);
        const started = Date.now();
        while (mock.stats().requests < killAtRequest && Date.now() - started < 30_000 && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 10));
        }
        const source = childPids(child.pid!);
        child.kill('SIGKILL');
        const result = await done;
        expect(result.signal, result.stderr).toBe('SIGKILL');
        for (const pid of source) killQuietly(pid);
      }
      const rerun = await runCli(['run', '--config', config, '--destination', `duckdb:${db}`, '--json'], { cwd: dir });
      expect(rerun.code, rerun.stderr).toBe(0);
      const conversations = await duckdbQuery(db, 'SELECT _id FROM conversations');
      const messages = await duckdbQuery(db, 'SELECT _id FROM messages');
      expect(conversations.map((r) => String(r._id)).sort()).toEqual([...mock.ids('conversations')].sort());
      expect(messages.map((r) => String(r._id)).sort()).toEqual([...mock.ids('messages')].sort());

      // Changes made in Ada since arrive in place with the next incremental run.
      const changed = mock.mutate({ update: 15, create: 4 });
      // A read covers whole seconds up to the one it starts in: let the changes' second pass first.
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
      const incremental = await runCli(['run', '--config', config, '--destination', `duckdb:${db}`, '--json'], { cwd: dir });
      expect(incremental.code, incremental.stderr).toBe(0);
      const summary = JSON.parse(incremental.stdout) as { streams: { stream: string; inserted: number; updated: number }[] };
      const conv = summary.streams.find((s) => s.stream === 'conversations')!;
      expect([conv.inserted, conv.updated]).toEqual([changed.created.length, changed.updated.length]);
      expect(await duckdbQuery(db, 'SELECT count(*) AS n, count(DISTINCT _id) AS d FROM conversations')).toEqual([
        { n: String(2_500 + changed.created.length), d: String(2_500 + changed.created.length) },
      ]);
    });
  });

  describe('with a config field source-ada does not know', () => {
    let mock: MockAda;
    beforeAll(async () => {
      // The data ends before the sync starts, so one sync reads all of it.
      mock = await startMockAda({ seed: 5, conversations: 40, messagesPerConversation: 2, historyDays: 5, rateLimits: false, dataUntil: Date.now() - 2000 });
    });
    afterAll(async () => {
      await mock?.close();
    });

    it('shows the warning naming the mistyped field and the one it probably meant, and the sync still succeeds', async () => {
      const config = adaConfig('mistyped.json', mock, 10, { pagesize: 500 });
      const db = join(dir, 'mistyped.duckdb');
      const result = await runCli(['run', '--config', config, '--destination', `duckdb:${db}`], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Sync into duckdb:${db} finished`);
      // Said once, though discover and read each check the config.
      const warnings = result.stderr.split('\n').filter((line) => line.includes('"pagesize"'));
      expect(warnings, result.stderr).toEqual([
        'source warn: The config field "pagesize" is not one source-ada knows and is ignored (did you mean "page_size"?).',
      ]);
      const conversations = await duckdbQuery(db, 'SELECT _id FROM conversations');
      expect(conversations.map((r) => String(r._id)).sort()).toEqual([...mock.ids('conversations')].sort());
    });
  });
});

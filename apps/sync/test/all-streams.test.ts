import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STREAMS, startMockAda, type MockAda, type Stream } from '@ada-airbyte/mock-ada';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbQuery, runCli } from './helpers.js';

// A default `ada-sync run` of every stream source-ada offers, the real source against mock-ada with
// Ada's limits per API group, into a real DuckDB file.

const KEYS: Partial<Record<Stream, string>> = { conversations: '_id', messages: '_id', end_users: 'end_user_id', webhook_event_types: 'name' };
const keyOf = (stream: Stream) => KEYS[stream] ?? 'id';

function untilNextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

describe('ada-sync run of every stream', () => {
  let dir: string;
  let mock: MockAda;
  let config: string;
  let db: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ada-sync-all-'));
    // The wall clock: the second run must see what mutateLists() stamps "now".
    mock = await startMockAda({ seed: 61, conversations: 300, messagesPerConversation: 3, historyDays: 30, auditEvents: 200 });
    await untilNextSecond();
    config = join(dir, 'ada.json');
    writeFileSync(config, JSON.stringify({ api_key: mock.apiKey, handle: 'acme', base_url: mock.url, lookback_window_minutes: 0, page_size: 1000 }));
    db = join(dir, 'ada.duckdb');
  });
  afterAll(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keysIn(stream: Stream): Promise<string[]> {
    const rows = await duckdbQuery(db, `SELECT "${keyOf(stream)}" AS k FROM "${stream}"`);
    return rows.map((r) => String(r.k)).sort();
  }

  it('loads each stream\'s exact record set, with default pacing and not one 400 or 429', async () => {
    const run = await runCli(['run', '--config', config, '--destination', `duckdb:${db}`, '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { status: string; streams: { stream: string; status: string }[] };
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.map((s) => s.stream).sort()).toEqual([...STREAMS].sort());
    for (const stream of STREAMS) expect(await keysIn(stream), stream).toEqual([...mock.ids(stream)].sort());
    const status = mock.stats().status;
    expect(status['400'] ?? 0).toBe(0);
    expect(status['429'] ?? 0).toBe(0);
  }, 120_000);

  it('the next run replaces the full-refresh tables and merges the audit log by id', async () => {
    const gone = mock.ids('knowledge_articles')[0]!;
    const before = await keysIn('audit_log_events');
    const changes = mock.mutateLists({ delete: [{ stream: 'knowledge_articles', ids: [gone] }], create: [{ stream: 'playbooks', count: 2 }], auditEvents: 3 });
    await untilNextSecond();
    const run = await runCli(['run', '--config', config, '--destination', `duckdb:${db}`], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(await keysIn('knowledge_articles')).toEqual([...mock.ids('knowledge_articles')].sort());
    expect(await keysIn('knowledge_articles')).not.toContain(gone);
    expect(await keysIn('playbooks')).toEqual(expect.arrayContaining(changes.created.playbooks!));
    expect(await keysIn('audit_log_events')).toEqual([...before, ...changes.auditEvents].sort());
    const [dupes] = await duckdbQuery(db, 'SELECT count(*) - count(DISTINCT id) AS n FROM audit_log_events');
    expect(dupes?.n).toBe('0');
  }, 120_000);
});

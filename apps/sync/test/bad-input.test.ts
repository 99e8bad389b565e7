import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, Workspace, makeWorld, runCli, syncFake } from './helpers.js';

const workspaces: Workspace[] = [];
function workspace(): Workspace {
  const ws = new Workspace(makeWorld(5, 1));
  workspaces.push(ws);
  return ws;
}
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

/** One clear sentence as the last line of stderr, and never a stack trace. */
function sentence(result: CliResult): string {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('ada-sync:'));
  expect(errorLines).toHaveLength(1);
  return errorLines[0]!;
}

describe('bad input gets one clear sentence and a non-zero exit', () => {
  it('unknown destination scheme', async () => {
    const ws = workspace();
    const result = await syncFake(ws, ['--destination', 'mysql://localhost/db']);
    expect(result.code).toBe(2);
    expect(sentence(result)).toBe(
      'ada-sync: Unknown destination "mysql://localhost/db"; use duckdb:PATH, postgres://user@host:5432/db?schema=NAME, jsonl:DIR, or --destination-command.',
    );
  });

  it('unreachable PostgreSQL', async () => {
    const ws = workspace();
    const result = await syncFake(ws, ['--destination', 'postgres://postgres@127.0.0.1:1/test?schema=ada']);
    expect(result.code).toBe(1);
    expect(sentence(result)).toBe('ada-sync: Could not connect to PostgreSQL at 127.0.0.1:1/test: connection refused.');
  });

  it('unwritable path', async () => {
    const ws = workspace();
    const duck = await syncFake(ws, ['--destination', 'duckdb:/dev/null/ada.duckdb']);
    expect(duck.code).toBe(1);
    expect(sentence(duck)).toBe('ada-sync: Cannot create /dev/null/ada.duckdb: a part of its directory path is a file, not a directory.');
    const files = await syncFake(ws, ['--destination', 'jsonl:/proc/version/out']);
    expect(files.code).toBe(1);
    expect(sentence(files)).toMatch(/^ada-sync: Cannot use \/proc\/version\/out as the output directory: .+\.$/);
  });

  it('a config the source rejects (its config_error): exit 2, as bad input', async () => {
    const ws = workspace();
    ws.setConfig({ reject: 'The Ada API rejected the API key (401 Unauthorized).' });
    const result = await syncFake(ws, ['--destination', `duckdb:${ws.path('x.duckdb')}`]);
    expect(result.code).toBe(2);
    expect(sentence(result)).toBe('ada-sync: The Ada API rejected the API key (401 Unauthorized).');
  });

  it('a config source-ada itself rejects: exit 2, with its sentence', async () => {
    const ws = workspace();
    writeFileSync(ws.path('ada.json'), JSON.stringify({ handle: 'acme', page_size: 5 }));
    const result = await runCli(['run', '--config', ws.path('ada.json'), '--destination', `duckdb:${ws.path('x.duckdb')}`, '--json'], { cwd: ws.dir });
    expect(result.code, result.stderr).toBe(2);
    expect(sentence(result)).toMatch(/^ada-sync: The config field "(api_key|page_size)" (is required|is invalid).*\.$/);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'failed' });
  });

  it('a missing or broken config file', async () => {
    const ws = workspace();
    const missing = await runCli(['run', '--config', ws.path('nope.json')]);
    expect(missing.code).toBe(2);
    expect(sentence(missing)).toBe(`ada-sync: Cannot read the config file ${ws.path('nope.json')}: no such file or directory.`);
    writeFileSync(ws.path('broken.json'), '{"api_key": ');
    const broken = await runCli(['run', '--config', ws.path('broken.json')]);
    expect(broken.code).toBe(2);
    expect(sentence(broken)).toMatch(/^ada-sync: The config file .*broken\.json is not valid JSON: .+\.$/);
    const noConfig = await runCli(['run']);
    expect(sentence(noConfig)).toBe('ada-sync: Run needs --config CONFIG.json; see ada-sync --help.');
  });

  it('unknown commands and options', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(sentence(unknown)).toBe('ada-sync: Unknown command "frobnicate"; see ada-sync --help.');
    const option = await runCli(['run', '--config', 'x.json', '--colour']);
    expect(option.code).toBe(2);
    expect(sentence(option)).toMatch(/^ada-sync: Unknown option '--colour'/);
    const both = await runCli(['run', '--config', 'x.json', '--destination', 'duckdb:x', '--destination-command', 'x', '--destination-config', 'y']);
    expect(sentence(both)).toBe('ada-sync: Use either --destination or --destination-command, not both.');
    // Asking a command for help is not a mistake.
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ada-sync run --config CONFIG.json');
  });

  it('leaves a file that is not a DuckDB database alone', async () => {
    const ws = workspace();
    const notes = ws.path('notes.duckdb');
    writeFileSync(notes, 'my precious notes\n');
    const result = await syncFake(ws, ['--destination', `duckdb:${notes}`]);
    expect(result.code).toBe(1);
    expect(sentence(result)).toContain(`${notes} is not a DuckDB database file`);
    expect(readFileSync(notes, 'utf8')).toBe('my precious notes\n');
  });

  it('says so when another process holds the DuckDB file', async () => {
    const ws = workspace();
    const db = ws.path('busy.duckdb');
    const holder = await DuckDBInstance.create(db);
    try {
      const result = await syncFake(ws, ['--destination', `duckdb:${db}`]);
      expect(result.code).toBe(1);
      expect(sentence(result)).toMatch(/^ada-sync: The DuckDB file .*busy\.duckdb is in use by another process \(PID \d+\); close it and retry\.$/);
    } finally {
      holder.closeSync();
    }
  });
});

import { UsageError } from '../errors.js';
import type { CommitPolicy } from './checkpoints.js';
import type { Destination } from './types.js';

export const DEFAULT_DESTINATION = 'duckdb:./ada.duckdb';

export type DestinationKind = 'duckdb' | 'postgres' | 'jsonl';

export interface ParsedDestination {
  kind: DestinationKind;
  /** File or directory for duckdb/jsonl, connection URI for postgres. */
  target: string;
}

/** `duckdb:PATH`, `postgres://…` / `postgresql://…`, `jsonl:DIR`. */
export function parseDestinationUri(uri: string): ParsedDestination {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(uri.trim());
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  const pathOf = (kind: string) => {
    // duckdb:///abs/path and duckdb://./rel are accepted too.
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') throw new UsageError(`the ${kind} destination needs a path, e.g. ${kind}:./ada${kind === 'duckdb' ? '.duckdb' : ''}`);
    return path;
  };
  switch (scheme) {
    case 'duckdb':
      return { kind: 'duckdb', target: pathOf('duckdb') };
    case 'jsonl':
      return { kind: 'jsonl', target: pathOf('jsonl') };
    case 'postgres':
    case 'postgresql':
      return { kind: 'postgres', target: uri.trim() };
    default:
      throw new UsageError(
        `unknown destination "${uri}"; use duckdb:PATH, postgres://user@host:5432/db?schema=NAME, jsonl:DIR, or --destination-command`,
      );
  }
}

/** Drivers load on demand: DuckDB's native library alone takes longer to load than a small sync. */
export async function createDestination(parsed: ParsedDestination, policy?: CommitPolicy): Promise<Destination> {
  switch (parsed.kind) {
    case 'duckdb':
      return (await import('./duckdb.js')).duckdbDestination(parsed.target, policy);
    case 'postgres':
      return (await import('./postgres.js')).postgresDestination(parsed.target, policy);
    case 'jsonl':
      return (await import('./jsonl.js')).jsonlDestination(parsed.target, policy);
  }
}

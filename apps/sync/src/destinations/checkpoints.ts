import type { AirbyteStateMessage } from '@ada-airbyte/core';
import { stateKey } from './types.js';

/**
 * When to commit. A commit happens only at a STATE (so that a state is always committed together with
 * every record before it), and only once enough records or time have gone by since the last one:
 * sources that checkpoint every page would otherwise make us commit every page.
 */
export class CommitPolicy {
  private readonly minRecords: number;
  private readonly minMs: number;
  private lastCommit = Date.now();
  private records = 0;

  constructor(options?: { minRecords?: number; minMs?: number }) {
    // A commit also bounds what a sync holds meanwhile (staged rows, DuckDB's transaction): memory.
    this.minRecords = options?.minRecords ?? envNumber('ADA_SYNC_COMMIT_RECORDS', 100_000);
    this.minMs = options?.minMs ?? envNumber('ADA_SYNC_COMMIT_MS', 5_000);
  }

  recordWritten(): void {
    this.records++;
  }

  /** Asked at each STATE. */
  due(): boolean {
    return this.records >= this.minRecords || Date.now() - this.lastCommit >= this.minMs;
  }

  committed(): void {
    this.records = 0;
    this.lastCommit = Date.now();
  }
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export interface PendingState<Bound> {
  key: string;
  message: AirbyteStateMessage;
  /** How far the records it covers reach, in the destination's own terms (sequence number, file offset). */
  bound: Bound;
}

/** The newest uncommitted state per stream, in arrival order. */
export class PendingStates<Bound> {
  private readonly pending = new Map<string, PendingState<Bound>>();

  add(message: AirbyteStateMessage, bound: Bound): PendingState<Bound> {
    const key = stateKey(message);
    this.pending.delete(key); // keep arrival order: the newest goes last
    const entry = { key, message, bound };
    this.pending.set(key, entry);
    return entry;
  }

  get(key: string): PendingState<Bound> | undefined {
    return this.pending.get(key);
  }

  get size(): number {
    return this.pending.size;
  }

  entries(): PendingState<Bound>[] {
    return [...this.pending.values()];
  }

  take(keys?: Iterable<string>): PendingState<Bound>[] {
    const wanted = keys ? [...keys] : [...this.pending.keys()];
    const taken: PendingState<Bound>[] = [];
    for (const key of wanted) {
      const entry = this.pending.get(key);
      if (entry) {
        taken.push(entry);
        this.pending.delete(key);
      }
    }
    return taken;
  }
}

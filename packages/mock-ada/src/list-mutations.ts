import type { AuditLog } from './audit-log/events.js';
import type { ListData, TableStream } from './lists/catalog.js';
import { LIST_STREAMS, type ListStream } from './streams.js';

export interface ListMutation {
  /** Rows to remove, by primary key (a webhook event type by name, an end user by end_user_id). */
  delete?: ReadonlyArray<{ stream: ListStream; ids: readonly string[] }>;
  /** New rows dated now. Not for the audit log: use auditEvents. */
  create?: ReadonlyArray<{ stream: ListStream; count: number }>;
  /** New audit-log events, all stamped with the current millisecond. */
  auditEvents?: number;
}

export interface ListMutationResult {
  /** Keys of the created rows per stream, in API order. */
  created: Partial<Record<ListStream, string[]>>;
  /** Ids of the new audit events, in API order (newest first, ties by id descending). */
  auditEvents: string[];
}

function tableStream(stream: ListStream, action: string): TableStream {
  if (!(LIST_STREAMS as readonly string[]).includes(stream)) throw new RangeError(`mutateLists: unknown list stream ${JSON.stringify(stream)}`);
  if (stream === 'audit_log_events') {
    throw new RangeError(`mutateLists: the audit log is append-only; it cannot ${action} (use auditEvents to add events)`);
  }
  return stream;
}

function count(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`mutateLists: ${what} must be a non-negative integer, got ${n}`);
  return n;
}

/** Everything is checked before anything changes, so a refused mutation leaves the lists as they were. */
export function applyListMutation(lists: ListData, audit: AuditLog, m: ListMutation, nowUs: number): ListMutationResult {
  const deletes = (m.delete ?? []).map(({ stream, ids }) => ({ table: lists.table(tableStream(stream, 'delete')), ids }));
  const creates = (m.create ?? []).map(({ stream, count: n }) => ({ stream: tableStream(stream, 'create'), n: count(n, `create count of ${stream}`) }));
  const events = count(m.auditEvents ?? 0, 'auditEvents');
  for (const { table, ids } of deletes) {
    const missing = ids.filter((id) => table.indexOf(id) < 0);
    if (missing.length > 0) throw new RangeError(`mutateLists: no such record: ${missing.join(', ')}`);
  }
  for (const { table, ids } of deletes) table.delete(ids);
  const created: Partial<Record<ListStream, string[]>> = {};
  for (const { stream, n } of creates) created[stream] = [...(created[stream] ?? []), ...lists.table(stream).create(n, nowUs)];
  return { created, auditEvents: events > 0 ? audit.add(events, nowUs) : [] };
}

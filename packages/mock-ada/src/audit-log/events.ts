import { hash32, Rng } from '../random.js';
import { formatMillisOffset, US_PER_DAY, US_PER_MS } from '../time.js';
import type { AuditLogEventRecord } from '../lists/types.js';
import { API_KEY_NAMES, AUDIT_ENTITIES, AUDIT_INTERFACES, TEAM, USER_AGENTS } from '../lists/vocabulary.js';

const TAG_AUDIT_LAYOUT = 0xa0d;
const TAG_AUDIT_EVENT = 0xa0e;
const TAG_AUDIT_ADDED = 0xa0f;
const TAG_TEAM = 0x7ea;

/** Rows the log can name when an event touches one: the served articles, playbooks and so on. */
export type AuditEntities = Partial<Record<string, ReadonlyArray<{ id: string; name: string }>>>;

export interface AuditLogConfig {
  seedWords: readonly [number, number];
  anchorUs: number;
  historyDays: number;
  events: number;
  handle: string;
}

interface StoredEvent {
  us: number;
  record: AuditLogEventRecord;
}

/** Bulk imports stamp many events with one millisecond; that is where id tie-breaking matters. */
const IMPORT_BURST = 12;

/** Newest first, ties by id descending: the audit log's order (ada-api.md §9.8). */
function newestFirst(a: StoredEvent, b: StoredEvent): number {
  return b.us - a.us || (a.record.id < b.record.id ? 1 : a.record.id > b.record.id ? -1 : 0);
}

/** The append-only audit log: events spread over the history, plus any a test adds "now". */
export class AuditLog {
  private events: StoredEvent[] = [];
  private added = 0;

  constructor(
    private readonly config: AuditLogConfig,
    private readonly entities: AuditEntities,
  ) {
    const rng = new Rng(hash32(config.seedWords[0], config.seedWords[1], TAG_AUDIT_LAYOUT));
    const spanUs = Math.floor(config.historyDays * US_PER_DAY);
    const times = Array.from({ length: config.events }, () => toMillis(config.anchorUs - 1 - Math.floor(rng.float53() * spanUs)));
    times.sort((a, b) => a - b);
    const burst = config.events >= IMPORT_BURST * 4 ? rng.int(0, config.events - IMPORT_BURST) : -1;
    for (let k = burst; k >= 0 && k < burst + IMPORT_BURST; k++) times[k] = times[burst] ?? 0;
    this.events = times.map((us, k) => ({ us, record: this.event(TAG_AUDIT_EVENT, k, us, burst >= 0 && k >= burst && k < burst + IMPORT_BURST) }));
    this.events.sort(newestFirst);
  }

  /** Appends `n` events stamped `nowUs` (to the millisecond); returns their ids in API order. */
  add(n: number, nowUs: number): string[] {
    const us = toMillis(nowUs);
    const fresh = Array.from({ length: n }, () => ({ us, record: this.event(TAG_AUDIT_ADDED, this.added++, us, false) }));
    this.events = [...this.events, ...fresh].sort(newestFirst);
    return fresh.sort(newestFirst).map((e) => e.record.id);
  }

  /** Events in `[startUs, endUs]` after the keyset position, newest first, at most `limit`. */
  page(startUs: number, endUs: number, after: { us: number; id: string } | null, limit: number): AuditLogEventRecord[] {
    const out: AuditLogEventRecord[] = [];
    for (const e of this.events) {
      if (out.length >= limit || e.us < startUs) break;
      if (e.us > endUs) continue;
      if (after !== null && (e.us > after.us || (e.us === after.us && e.record.id >= after.id))) continue;
      out.push(e.record);
    }
    return out;
  }

  /** Every event up to `nowUs`, in API order. */
  records(nowUs: number): AuditLogEventRecord[] {
    return this.events.filter((e) => e.us <= nowUs).map((e) => e.record);
  }

  private event(tag: number, k: number, us: number, imported: boolean): AuditLogEventRecord {
    const { seedWords, handle } = this.config;
    const rng = new Rng(hash32(seedWords[0], seedWords[1], tag, k));
    const id = rng.uuid();
    const entityKind = imported ? { type: 'knowledge_article', activities: ['created'] } : rng.pick(AUDIT_ENTITIES);
    const known = this.entities[entityKind.type];
    const entity = known !== undefined && known.length > 0 ? rng.pick(known) : { id: rng.hex(24), name: `${entityKind.type.replace(/_/g, ' ')} ${rng.int(1, 40)}` };
    const via = imported ? 'import' : rng.pick(AUDIT_INTERFACES);
    // System changes and service tokens have no person behind them: Ada leaves the actor empty.
    const serviceToken = via === 'api' && rng.chance(0.5);
    const person = via === 'system' || serviceToken ? null : rng.int(0, TEAM.length - 1);
    const member = person === null ? undefined : TEAM[person];
    return {
      id,
      timestamp: formatMillisOffset(us),
      actor_email: member === undefined ? '' : `${member[1]}@${handle}.com`,
      actor_name: member?.[0] ?? '',
      actor_user_id: person === null ? '' : new Rng(hash32(seedWords[0], seedWords[1], TAG_TEAM, person)).hex(24),
      entity_type: entityKind.type,
      entity_id: entity.id,
      entity_name: entity.name,
      activity: rng.pick(entityKind.activities),
      interface: via,
      context_ip: via === 'system' ? '' : `203.0.113.${rng.int(1, 254)}`,
      context_user_agent: via === 'system' ? '' : userAgent(rng, via),
      api_key_name: via === 'api' && !serviceToken ? rng.pick(API_KEY_NAMES) : '',
    };
  }
}

function userAgent(rng: Rng, via: string): string {
  if (via === 'api' || via === 'import') return USER_AGENTS[2];
  if (via === 'cli' || via === 'mcp') return USER_AGENTS[3];
  return rng.chance(0.5) ? USER_AGENTS[0] : USER_AGENTS[1];
}

/** The audit log keeps milliseconds. */
function toMillis(us: number): number {
  return Math.floor(us / US_PER_MS) * US_PER_MS;
}

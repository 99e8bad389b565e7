import type { AirbyteMessage } from '@ada-airbyte/core';

/**
 * One line a connector printed: a protocol message, plain text, JSON that breaks the protocol, or a
 * broken one: it starts like a JSON object but is not one (cut short, or garbled), so it may have held a record.
 */
export type ParsedLine =
  | { kind: 'message'; message: AirbyteMessage }
  | { kind: 'text'; text: string }
  | { kind: 'invalid'; text: string; errors: string[] }
  | { kind: 'broken'; bytes: number };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LOG_LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];
const STREAM_STATUSES = ['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE'];
const MESSAGE_TYPES = ['RECORD', 'STATE', 'LOG', 'SPEC', 'CONNECTION_STATUS', 'CATALOG', 'TRACE', 'CONTROL', 'DESTINATION_CATALOG'];

/**
 * What is wrong with a message, judged on the fields this app reads. Checked by hand rather than
 * with the protocol's JSON schema: compiling that schema costs more than half a second per process,
 * longer than a small sync, and every field we rely on is checked here.
 */
function problems(m: Record<string, unknown>): string[] {
  const need = (ok: boolean, text: string) => (ok ? [] : [text]);
  switch (m.type) {
    case 'RECORD': {
      const r = m.record;
      return need(
        isPlainObject(r) && typeof r.stream === 'string' && isPlainObject(r.data) && typeof r.emitted_at === 'number',
        'a RECORD needs record.stream, record.data (an object) and record.emitted_at (a number)',
      );
    }
    case 'STATE': {
      const st = m.state;
      if (!isPlainObject(st)) return ['a STATE needs a state object'];
      if (st.type === 'STREAM') {
        const stream = st.stream;
        return need(
          isPlainObject(stream) && isPlainObject(stream.stream_descriptor) && typeof stream.stream_descriptor.name === 'string',
          'a STREAM state needs state.stream.stream_descriptor.name',
        );
      }
      if (st.type === 'GLOBAL') return need(isPlainObject(st.global), 'a GLOBAL state needs state.global');
      return need(st.type === undefined || st.type === 'LEGACY', `unknown state type ${JSON.stringify(st.type)}`);
    }
    case 'LOG': {
      const log = m.log;
      return need(
        isPlainObject(log) && LOG_LEVELS.includes(String(log.level)) && typeof log.message === 'string',
        'a LOG needs log.level and log.message',
      );
    }
    case 'TRACE': {
      const t = m.trace;
      if (!isPlainObject(t) || typeof t.type !== 'string') return ['a TRACE needs trace.type'];
      if (t.type === 'ERROR') return need(isPlainObject(t.error) && typeof t.error.message === 'string', 'an ERROR trace needs trace.error.message');
      if (t.type === 'STREAM_STATUS') {
        const s = t.stream_status;
        return need(
          isPlainObject(s) && isPlainObject(s.stream_descriptor) && typeof s.stream_descriptor.name === 'string' && STREAM_STATUSES.includes(String(s.status)),
          'a STREAM_STATUS trace needs stream_status.stream_descriptor.name and a status',
        );
      }
      if (t.type === 'ESTIMATE') return need(isPlainObject(t.estimate) && typeof t.estimate.name === 'string', 'an ESTIMATE trace needs estimate.name');
      return [];
    }
    case 'CATALOG': {
      const c = m.catalog;
      const ok =
        isPlainObject(c) &&
        Array.isArray(c.streams) &&
        c.streams.every((s) => isPlainObject(s) && typeof s.name === 'string' && isPlainObject(s.json_schema) && Array.isArray(s.supported_sync_modes));
      return need(ok, 'a CATALOG needs catalog.streams, each with name, json_schema and supported_sync_modes');
    }
    case 'CONNECTION_STATUS': {
      const c = m.connectionStatus;
      return need(isPlainObject(c) && (c.status === 'SUCCEEDED' || c.status === 'FAILED'), 'a CONNECTION_STATUS needs connectionStatus.status');
    }
    case 'SPEC':
      return need(isPlainObject(m.spec) && isPlainObject(m.spec.connectionSpecification), 'a SPEC needs spec.connectionSpecification');
    default:
      return need(MESSAGE_TYPES.includes(String(m.type)), `unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** One line of a connector's stdout. */
export function parseLine(line: string): ParsedLine {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'text', text: line };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'broken', bytes: Buffer.byteLength(line) };
  }
  if (!isPlainObject(value) || typeof value.type !== 'string') return { kind: 'text', text: line };
  const errors = problems(value);
  if (errors.length > 0) return { kind: 'invalid', text: line, errors };
  return { kind: 'message', message: value as AirbyteMessage };
}

export function serializeMessage(message: AirbyteMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Prefix of the source's progress LOG lines: `progress {"stream":…,"requests":…,"rate_limit_wait_ms":…}`. */
export const PROGRESS_PREFIX = 'progress ';

export interface ProgressReport {
  stream: string | undefined;
  requests: number | undefined;
  rateLimitWaitMs: number | undefined;
}

export function parseProgressLog(message: string): ProgressReport | undefined {
  if (!message.startsWith(PROGRESS_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(message.slice(PROGRESS_PREFIX.length));
    if (!isPlainObject(value)) return undefined;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    return {
      stream: typeof value.stream === 'string' ? value.stream : undefined,
      requests: num(value.requests),
      rateLimitWaitMs: num(value.rate_limit_wait_ms),
    };
  } catch {
    return undefined;
  }
}

/** Whether a log line names the stream as a word of its own (`end_users`, not `users` inside it). */
export function namesStream(text: string, stream: string): boolean {
  if (stream === '') return false;
  for (let at = text.indexOf(stream); at !== -1; at = text.indexOf(stream, at + 1)) {
    const before = text[at - 1];
    const after = text[at + stream.length];
    if ((before === undefined || !/[\w-]/.test(before)) && (after === undefined || !/[\w-]/.test(after))) return true;
  }
  return false;
}

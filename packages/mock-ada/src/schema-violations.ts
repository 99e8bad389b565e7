import { asciiJson } from './json.js';
import type { SchemaViolation } from './options.js';
import { jsonBody, type Outcome, type RequestContext } from './outcome.js';
import type { Stream } from './streams.js';

type Handler = (ctx: RequestContext) => Outcome;

/** The fields each stream's records are served with, stream by stream; later violations of one field win. */
function fieldsByStream(violations: readonly SchemaViolation[]): Map<Stream, Record<string, unknown>> {
  const byStream = new Map<Stream, Record<string, unknown>>();
  for (const { stream, field, value } of violations) byStream.set(stream, { ...byStream.get(stream), [field]: value });
  return byStream;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy, so that the mock's own rows stay as they were; a field the record has keeps its place. */
function patched(record: unknown, fields: Record<string, unknown>): unknown {
  return isObject(record) ? { ...record, ...fields } : record;
}

/** A page is `{"data": [...], ...}`; the end-user lookup by external_id answers one bare record. */
function patchedBody(body: unknown, fields: Record<string, unknown>): unknown {
  if (isObject(body) && Array.isArray(body.data)) return { ...body, data: body.data.map((r) => patched(r, fields)) };
  return patched(body, fields);
}

/**
 * The handlers, with those of violated streams re-serialising their answers. Pages are parsed and
 * written again, which is slow, so streams without violations keep their handlers as they are.
 */
export function withSchemaViolations(handlers: Record<Stream, Handler>, violations: readonly SchemaViolation[]): Record<Stream, Handler> {
  if (violations.length === 0) return handlers;
  const wrapped = { ...handlers };
  for (const [stream, fields] of fieldsByStream(violations)) {
    const handler = handlers[stream];
    wrapped[stream] = (ctx) => {
      const outcome = handler(ctx);
      if (!outcome.ok) return outcome;
      // The mock writes ASCII only, so Latin-1 decodes it byte for byte.
      const body: unknown = JSON.parse(Buffer.concat(outcome.body).toString('latin1'));
      return jsonBody(asciiJson(patchedBody(body, fields)));
    };
  }
  return wrapped;
}

/** `records(stream)` as the violated handlers serve them. */
export function violatedRecords(stream: Stream, records: object[], violations: readonly SchemaViolation[]): object[] {
  const fields = fieldsByStream(violations).get(stream);
  return fields === undefined ? records : records.map((r) => ({ ...r, ...fields }));
}

/** What an endpoint handler decides once a request is past auth, rate limiting and faults. */

export interface Failure {
  ok: false;
  status: 400 | 404;
  /** Ada's error `type` slug. */
  type: string;
  message: string;
  /** The parameter at fault, written into the error's `details`. */
  param: string | null;
}

export type Outcome = { ok: true; body: Buffer[] } | Failure;

export interface RequestContext {
  search: URLSearchParams;
  /** The path as requested (with or without its trailing slash); next links repeat it. */
  path: string;
  /** `http://127.0.0.1:PORT`, so that next links are absolute as Ada's are. */
  origin: string;
  nowMs: number;
}

export function invalid(param: string | null, message: string, type = 'invalid_request'): Failure {
  return { ok: false, status: 400, type, message, param };
}

export function notFound(param: string | null, message: string): Failure {
  return { ok: false, status: 404, type: 'not_found', message, param };
}

export function jsonBody(text: string): Outcome {
  return { ok: true, body: [Buffer.from(text, 'latin1')] };
}

/** Query parameters this endpoint reads must each come once; a repeat is refused, not guessed at. */
export function repeated(search: URLSearchParams, names: readonly string[]): Failure | null {
  for (const name of names) {
    if (search.getAll(name).length > 1) return invalid(name, `${name} must be given at most once`);
  }
  return null;
}

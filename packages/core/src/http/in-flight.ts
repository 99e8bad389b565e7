import { formatDuration } from '../time.js';

/** A request between its first attempt and its outcome. */
export interface InFlightRequest {
  path: string;
  since: number;
  attempt: number;
  /** Why the latest attempt failed, while it is being retried. */
  retryingAfter?: string;
}

const requests = new Set<InFlightRequest>();

/** Registers a request until `done` is called; what it holds is updated as it is retried. */
export function trackRequest(url: string): { request: InFlightRequest; done(): void } {
  const request: InFlightRequest = { path: new URL(url).pathname, since: Date.now(), attempt: 1 };
  requests.add(request);
  return { request, done: () => void requests.delete(request) };
}

/**
 * What the process is waiting on, for a line that says it is alive: how many requests are out, for
 * how long, and whether one is being retried. Undefined when nothing is in flight.
 */
export function describeRequestsInFlight(now = Date.now()): string | undefined {
  if (requests.size === 0) return undefined;
  let oldest: InFlightRequest | undefined;
  let retrying: InFlightRequest | undefined;
  for (const r of requests) {
    if (!oldest || r.since < oldest.since) oldest = r;
    if (r.retryingAfter !== undefined && (!retrying || r.attempt > retrying.attempt)) retrying = r;
  }
  const count = `${requests.size} request${requests.size === 1 ? '' : 's'} in flight, the oldest for ${formatDuration(now - oldest!.since)}`;
  return retrying ? `${count}; ${retrying.path} is on attempt ${retrying.attempt} after ${retrying.retryingAfter}` : count;
}

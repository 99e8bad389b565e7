import type http from 'node:http';
import { cutPoint, type FaultKind, SLOW_BODY_CHUNKS, SLOW_BODY_GAP_MS } from './faults.js';

/** How the body goes out: whole, or damaged by one of the body faults. */
export type Delivery = 'whole' | Extract<FaultKind, 'reset' | 'slow-body' | 'truncated-body'>;

export interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer[];
  delivery: Delivery;
  /** Uniform draw in [0, 1) that places the cut of a damaged body. */
  detail: number;
}

/** Ada's v2 error body (ada-api.md §5). */
export function errorReply(status: number, type: string, message: string, details: string | null = null, headers: Reply['headers'] = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: [Buffer.from(JSON.stringify({ errors: [{ type, message, details }] }))],
    delivery: 'whole',
    detail: 0,
  };
}

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A 502 comes from the gateway in front of the API, so it is nginx's HTML, not the JSON envelope. */
export function nginxBadGateway(): Reply {
  return { status: 502, headers: { 'content-type': 'text/html' }, body: [Buffer.from(NGINX_502)], delivery: 'whole', detail: 0 };
}

export type Scheduler = (fn: () => void, ms: number) => void;

export function deliver(res: http.ServerResponse, reply: Reply, later: Scheduler): void {
  if (reply.delivery === 'whole') {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.reduce((n, b) => n + b.length, 0) });
    for (const chunk of reply.body) res.write(chunk);
    res.end();
    return;
  }
  const body = reply.body.length === 1 && reply.body[0] !== undefined ? reply.body[0] : Buffer.concat(reply.body);
  switch (reply.delivery) {
    case 'truncated-body': {
      // Content-Length matches what is sent: the HTTP exchange is valid, only the JSON is cut.
      const cut = cutPoint(body.length, reply.detail);
      res.writeHead(reply.status, { ...reply.headers, 'content-length': cut });
      res.end(body.subarray(0, cut));
      return;
    }
    case 'reset': {
      const cut = cutPoint(body.length, reply.detail);
      res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
      // Reset only once the partial body has left, so the client sees headers, then an abort.
      res.write(body.subarray(0, cut), () => setImmediate(() => res.socket?.resetAndDestroy()));
      return;
    }
    case 'slow-body': {
      res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
      const size = Math.ceil(body.length / SLOW_BODY_CHUNKS);
      const writeChunk = (k: number): void => {
        if (res.destroyed) return;
        const chunk = body.subarray(k * size, (k + 1) * size);
        if (k >= SLOW_BODY_CHUNKS - 1 || (k + 1) * size >= body.length) {
          res.end(chunk);
          return;
        }
        res.write(chunk);
        later(() => writeChunk(k + 1), SLOW_BODY_GAP_MS);
      };
      writeChunk(0);
      return;
    }
  }
}

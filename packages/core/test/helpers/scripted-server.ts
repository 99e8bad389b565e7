import http from 'node:http';
import { type AddressInfo } from 'node:net';

export interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  /** performance.now() when the server saw the request. */
  at: number;
}

/** Handles the n-th request (0-based). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export interface ScriptedServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:0 that answers request n with script[n] (the last entry repeats),
 * or with script(n) when given a function.
 */
export async function startServer(script: Handler[] | ((n: number) => Handler)): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const n = requests.length;
    requests.push({ url: req.url ?? '', headers: req.headers, at: performance.now() });
    const handler = typeof script === 'function' ? script(n) : script[Math.min(n, script.length - 1)]!;
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
}

/** A complete HTTP response whose body is JSON cut off in the middle. */
export function truncatedJson(): Handler {
  return (_req, res) => {
    const text = '{"data":[{"id":"a"},{"id":';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}

/** Sends the headers and part of the body, then destroys the connection. */
export function destroyMidBody(): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"data":[{"id":"a"},', () => {
      res.socket?.destroy();
    });
  };
}

/** A port that nothing listens on (was bound a moment ago, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

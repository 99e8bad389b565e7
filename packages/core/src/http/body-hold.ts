import type { ClientRequest, IncomingMessage } from 'node:http';

/**
 * Delays a request's 'response' event until `ready` resolves. got starts reading a body as soon as
 * that event fires and offers no hook between the headers and the body; until it fires nobody reads
 * the response, so its body stays in the socket and TCP holds the server back. A request destroyed
 * meanwhile (a timeout, the read stopping) never gets the event.
 */
export function holdResponse(request: ClientRequest, ready: (response: IncomingMessage) => Promise<void>): void {
  const emit = request.emit;
  request.emit = function (this: ClientRequest, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'response') return emit.call(this, event, ...args);
    void ready(args[0] as IncomingMessage).then(() => {
      if (!this.destroyed) emit.call(this, event, ...args);
    });
    return true;
  } as ClientRequest['emit'];
}

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the receiver started. */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides the answer to the n-th request (0-based); the default accepts everything. */
export type Responder = (req: ReceivedRequest, n: number) => Reply;

export interface WebhookReceiver {
  readonly requests: ReceivedRequest[];
  url(path: string): string;
  /** Replaces the responder for the following requests and forgets what was received. */
  reset(responder?: Responder): void;
  close(): Promise<void>;
}

const accept: Responder = () => ({ status: 200, body: 'ok' });

/** A real HTTP server on 127.0.0.1 and a free port that records every request it gets. */
export async function startWebhookReceiver(responder: Responder = accept): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let respond = responder;
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now() - started,
      };
      const reply = respond(received, requests.length);
      requests.push(received);
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    reset(next = accept) {
      respond = next;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

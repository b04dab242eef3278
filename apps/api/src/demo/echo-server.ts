import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A small backend that says who answered, like the Kubernetes conformance suite's echo server: the demo's
 * services and the end-to-end tests' upstreams. Every response carries `x-echo-service` and `x-echo-pod`.
 *
 * - `GET /hi` → `Hi, there!` (FSM's demo backend)
 * - `/status/NNN` → that status
 * - `/delay/MS` → answers after MS milliseconds (at most 30 s)
 * - anything else → JSON: service, pod, method, url, headers and the number of body bytes received
 * - WebSocket upgrades on any path → each message echoed back
 *
 * With `tls` it speaks HTTPS with that certificate: an HTTPS upstream, or the far end of a passthrough.
 */
export interface EchoServerOptions {
  service: string;
  pod: string;
  host?: string;
  port?: number;
  tls?: { certPem: string; keyPem: string };
}

export interface EchoServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_DELAY_MS = 30_000;

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const { service, pod } = options;
  const handler = (req: IncomingMessage, res: ServerResponse) => answer(req, res, service, pod);
  const server = options.tls ? createTlsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, handler) : createServer(handler);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, service: string, pod: string): void {
  res.setHeader('x-echo-service', service);
  res.setHeader('x-echo-pod', pod);
  const path = (req.url ?? '/').split('?')[0];
  let bodyBytes = 0;
  req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
  req.on('end', () => {
    if (path === '/hi') {
      res.setHeader('content-type', 'text/plain');
      res.end('Hi, there!');
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) {
      res.statusCode = Number(status[1]);
      res.end();
      return;
    }
    const delay = /^\/delay\/(\d+)$/.exec(path);
    const wait = delay ? Math.min(Number(delay[1]), MAX_DELAY_MS) : 0;
    const timer = setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ service, pod, method: req.method, url: req.url, headers: req.headers, bodyBytes }));
    }, wait);
    res.on('close', () => clearTimeout(timer));
  });
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
}

export interface TestUpstream {
  name: string;
  port: number;
  server: http.Server;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A tiny upstream that says who answered: JSON `{name, method, url, headers, bodyBytes}`. `handler` may take over a
 * request instead (return true when it did).
 */
export async function startUpstream(
  name: string,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<TestUpstream> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    if (handler?.(req, res)) {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: -1 });
      return;
    }
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes };
      requests.push(seen);
      const body = JSON.stringify({ name, ...seen });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

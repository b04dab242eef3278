import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface SeenH2Request {
  method: string;
  path: string;
  authority: string | null;
  headers: http2.IncomingHttpHeaders;
  bodyBytes: number;
}

export interface H2Upstream {
  port: number;
  requests: SeenH2Request[];
  /** HTTP/2 sessions (connections) the upstream has accepted. */
  sessions: () => number;
  close(): Promise<void>;
}

/**
 * A cleartext HTTP/2 (h2c, prior knowledge) upstream answering JSON `{name, ...SeenH2Request}`. `handler` may take a
 * stream over instead (return true when it did).
 */
export async function startH2Upstream(
  name: string,
  handler?: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean,
  settings: http2.Settings = {},
): Promise<H2Upstream> {
  const requests: SeenH2Request[] = [];
  const live = new Set<http2.ServerHttp2Session>();
  let sessions = 0;
  const server = http2.createServer({ settings });
  server.on('session', (session) => {
    sessions++;
    live.add(session);
    session.once('close', () => live.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (handler?.(stream, headers)) return;
    let bodyBytes = 0;
    stream.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    stream.on('end', () => {
      const seen: SeenH2Request = {
        method: String(headers[':method']),
        path: String(headers[':path']),
        authority: (headers[':authority'] as string | undefined) ?? null,
        headers,
        bodyBytes,
      };
      requests.push(seen);
      const body = JSON.stringify({ name, ...seen });
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-upstream': name });
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    sessions: () => sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of live) session.destroy();
        server.close(() => resolve());
      }),
  };
}

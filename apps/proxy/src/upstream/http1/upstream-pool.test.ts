import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamConnection } from './upstream-connection.js';
import { UpstreamPool } from './upstream-pool.js';

let server: net.Server | undefined;
let pool: UpstreamPool | undefined;

afterEach(async () => {
  pool?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An upstream answering every request with `ok` on a keep-alive connection; counts the connections it accepted. */
async function keepAliveUpstream(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

function get(on: UpstreamPool): Promise<{ body: string; connection: UpstreamConnection }> {
  return new Promise((resolve, reject) => {
    let body = '';
    const connection = on.request(
      { method: 'GET', target: '/', headers: { host: 'upstream.test' }, body: null },
      {
        onRequestSent: () => undefined,
        onResponseStart: () => undefined,
        onResponseData: (chunk) => (body += chunk.toString()),
        // After the parse that completed it, the connection is back in the pool (a task later than this callback).
        onResponseEnd: () => setImmediate(() => resolve({ body, connection: connection! })),
        onResponseError: reject,
      },
    );
  });
}

describe('UpstreamPool', () => {
  it('reuses an idle connection, and passes over one that was closed before its close event came', async () => {
    const upstream = await keepAliveUpstream();
    pool = new UpstreamPool('127.0.0.1', upstream.port, null);
    const first = await get(pool);
    const second = await get(pool);
    expect({ body: second.body, same: second.connection === first.connection, connections: upstream.connections() }).toEqual({ body: 'ok', same: true, connections: 1 });
    // What the connection does when the upstream's FIN arrives: destroyed at once, 'close' (and leaving the pool) later.
    second.connection.destroy();
    const third = await get(pool);
    expect({ body: third.body, connections: upstream.connections() }).toEqual({ body: 'ok', connections: 2 });
  });
});

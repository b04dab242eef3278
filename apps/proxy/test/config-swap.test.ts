import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { request, requestJson } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, cluster, endpoint, route, table, vhost } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

let proxy: ProxyHandle | undefined;
let upstreams: TestUpstream[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]): Promise<TestUpstream> {
  const u = await startUpstream(name, handler);
  upstreams.push(u);
  return u;
}

async function proxyFor(initialTable: ReturnType<typeof catchAll>, extra: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable, ...extra });
  return proxy;
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await proxy?.close();
  proxy = undefined;
  await Promise.all(upstreams.map((u) => u.close()));
  upstreams = [];
});

describe('applying a new generation', () => {
  it('keeps an idle keep-alive client connection usable and serves the new table on it', async () => {
    const [a, b] = await Promise.all([upstream('a'), upstream('b')]);
    const p = await proxyFor(catchAll(1, 'c', [endpoint(a.port)]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body).name));
      });
      req.on('error', reject);
    });
    expect(first).toBe('a');

    expect(p.applyTable(catchAll(2, 'c', [endpoint(b.port)])).ok).toBe(true);
    let reused = false;
    const second = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body).name));
      });
      req.on('socket', () => (reused = req.reusedSocket));
      req.on('error', reject);
    });
    expect(second).toBe('b');
    // The same client connection carried both requests: the swap did not close it.
    expect(reused).toBe(true);
  });

  it('lets an in-flight request finish on the old generation', async () => {
    let release: (() => void) | undefined;
    const slow = await upstream('slow', (_req, res) => {
      release = () => res.end('finished-late');
      return true;
    });
    const other = await upstream('other');
    const p = await proxyFor(catchAll(1, 'c', [endpoint(slow.port)]));
    const pending = request(p.httpPort, '/');
    await waitFor(() => release !== undefined, 2_000, 'the slow request to arrive');
    p.applyTable(catchAll(2, 'c', [endpoint(other.port)])); // the slow endpoint leaves the table
    release!();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toBe('finished-late');
    expect((await requestJson(p.httpPort, '/')).json.name).toBe('other');
  });

  it('reuses pooled upstream connections across generations that keep the endpoint', async () => {
    const sockets = new Set<unknown>();
    const u = await upstream('pooled');
    u.server.on('connection', (s) => sockets.add(s));
    const p = await proxyFor(catchAll(1, 'c', [endpoint(u.port)]));
    await request(p.httpPort, '/');
    for (let g = 2; g < 5; g++) {
      p.applyTable(catchAll(g, 'c', [endpoint(u.port)]));
      await request(p.httpPort, '/');
    }
    expect(u.requests).toHaveLength(4);
    expect(sockets.size).toBe(1);
  });
});

describe('WebSocket', () => {
  async function echoServer(name: string): Promise<{ port: number }> {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      ws.send(`hello from ${name} via ${req.headers['x-forwarded-for']}`);
      ws.on('message', (data) => ws.send(`${name}:${data.toString()}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });
    return { port: (server.address() as import('node:net').AddressInfo).port };
  }

  function nextMessage(ws: WebSocket): Promise<string> {
    return new Promise((resolve, reject) => {
      ws.once('message', (data) => resolve(data.toString()));
      ws.once('error', reject);
    });
  }

  it('echoes through the proxy and stays open across a config swap', async () => {
    const [one, two] = await Promise.all([echoServer('one'), echoServer('two')]);
    const p = await proxyFor(
      table(1, [vhost('*', [route('r-ws', '/ws', 'Prefix', 'ws')])], [cluster('ws', [endpoint(one.port)])]),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/ws/chat`);
    cleanups.push(() => ws.terminate());
    const greeting = nextMessage(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(await greeting).toBe('hello from one via 127.0.0.1');
    ws.send('ping-1');
    expect(await nextMessage(ws)).toBe('one:ping-1');

    expect(p.applyTable(table(2, [vhost('*', [route('r-ws', '/ws', 'Prefix', 'ws')])], [cluster('ws', [endpoint(two.port)])])).ok).toBe(true);
    ws.send('ping-2');
    expect(await nextMessage(ws)).toBe('one:ping-2');
    expect(ws.readyState).toBe(WebSocket.OPEN);

    // New connections follow the new table.
    const ws2 = new WebSocket(`ws://127.0.0.1:${p.httpPort}/ws`);
    cleanups.push(() => ws2.terminate());
    expect(await nextMessage(ws2)).toBe('hello from two via 127.0.0.1');
  });

  it('refuses an upgrade for which no route exists with 404', async () => {
    const one = await echoServer('one');
    const p = await proxyFor(table(1, [vhost('*', [route('r-ws', '/ws', 'Exact', 'ws')])], [cluster('ws', [endpoint(one.port)])]));
    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/elsewhere`);
    cleanups.push(() => ws.terminate());
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });

  it('answers 502 to an upgrade when the upstream is down', async () => {
    const u = await upstream('gone');
    const port = u.port;
    await u.close();
    upstreams = [];
    const p = await proxyFor(catchAll(1, 'c', [endpoint(port)]));
    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/`);
    cleanups.push(() => ws.terminate());
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(502);
  });
});

describe('shutdown', () => {
  it('drains an in-flight request before closing', async () => {
    const slow = await upstream('slow', (_req, res) => {
      setTimeout(() => res.end('done'), 200);
      return true;
    });
    const p = await proxyFor(catchAll(1, 'c', [endpoint(slow.port)]), { drainTimeoutMs: 5_000 });
    const pending = request(p.httpPort, '/');
    await waitFor(() => slow.requests.length === 1, 2_000, 'request to arrive');
    const closed = p.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toBe('done');
    await closed;
    await expect(request(p.httpPort, '/')).rejects.toThrow();
    proxy = undefined;
  });
});

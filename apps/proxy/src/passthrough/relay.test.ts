import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActiveConfig } from '../config/active-config.js';
import { ProxyMetrics } from '../observability/metrics.js';
import type { UpstreamEndpoint } from '../upstream/upstream-registry.js';
import { PassthroughRelay } from './relay.js';

// The relay on its own: a front server hands each accepted (paused) socket to it with a fake "ClientHello", as the
// TLS listener does after readClientHello, and a plain TCP backend plays the passthrough host.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type BackendHandler = (socket: net.Socket) => void;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

async function backend(handler: BackendHandler, allowHalfOpen = true): Promise<{ port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    handler(socket);
  });
  const port = await listen(server);
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  return { port, sockets };
}

interface Setup {
  relay: PassthroughRelay;
  metrics: ProxyMetrics;
  endpoint: UpstreamEndpoint;
  port: number;
}

const HELLO = Buffer.from('CLIENT-HELLO|');

async function front(backendPort: number, connectTimeoutMs = 5_000): Promise<Setup> {
  const metrics = new ProxyMetrics();
  const relay = new PassthroughRelay(metrics, pino({ level: 'silent' }), connectTimeoutMs);
  const endpoint: UpstreamEndpoint = { key: `127.0.0.1:${backendPort}`, address: '127.0.0.1', port: backendPort, inFlight: 0 };
  const config = { clusters: new Map([['c1', { balancer: { pick: () => endpoint } }]]) } as unknown as ActiveConfig;
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
    socket.on('error', () => {});
    relay.relay(socket, HELLO, config, 'pt.example.com', 'c1');
  });
  const port = await listen(server);
  cleanups.push(() => relay.destroyAll());
  return { relay, metrics, endpoint, port };
}

function connect(port: number, allowHalfOpen = true): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen }, () => resolve(socket));
    socket.once('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

/** Everything `socket` sends until its FIN. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` has closed; reads and discards what it still receives (a half-open peer must be ended). */
function closed(socket: net.Socket): Promise<void> {
  socket.on('error', () => {});
  socket.resume();
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

async function until(check: () => boolean | Promise<boolean>, ms = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function value(metrics: ProxyMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found ? Number(found.value) : 0;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pattern = (size: number, seed: number) => {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

/** A relayed pair's proxy-side sockets (for checking what the relay buffers). */
const liveSockets = (relay: PassthroughRelay) => [...(relay as unknown as { live: Set<{ client: net.Socket; upstream: net.Socket }> }).live];

describe('PassthroughRelay', () => {
  it('sends the buffered ClientHello first, relays both ways, and counts connections, bytes and in-flight', async () => {
    const be = await backend((s) => {
      s.on('data', (c: Buffer) => s.write(Buffer.concat([Buffer.from('echo:'), c])));
      s.on('end', () => s.end());
    });
    const f = await front(be.port);
    const client = await connect(f.port);
    const received = readAll(client);
    await until(() => f.endpoint.inFlight === 1, 3_000, 'in flight');
    client.write('ping');
    await until(() => f.relay.size === 1);
    client.end();
    const text = (await received).toString();
    // The backend may see the hello and the first bytes in one read or two.
    expect(text.replace(/echo:/g, '')).toBe('CLIENT-HELLO|ping');
    await closed(client);
    await until(() => f.relay.size === 0, 3_000, 'relay closed');
    expect(f.endpoint.inFlight).toBe(0);
    expect(await value(f.metrics, 'portico_passthrough_connections_total', { host: 'pt.example.com' })).toBe(1);
    expect(await value(f.metrics, 'portico_passthrough_bytes_total', { host: 'pt.example.com', direction: 'client_to_upstream' })).toBe(HELLO.length + 4);
    expect(await value(f.metrics, 'portico_passthrough_bytes_total', { host: 'pt.example.com', direction: 'upstream_to_client' })).toBe(text.length);
  });

  it('passes the client\'s FIN on and keeps relaying the other way (half-close)', async () => {
    let backendSaw = '';
    const be = await backend((s) => {
      s.on('data', (c: Buffer) => (backendSaw += c));
      // Answers only after the client has finished sending: possible only if the FIN came through alone.
      s.on('end', () => setTimeout(() => s.end(`got ${backendSaw.length} bytes`), 50));
    });
    const f = await front(be.port);
    const client = await connect(f.port);
    const received = readAll(client);
    client.end('request');
    expect((await received).toString()).toBe(`got ${HELLO.length + 7} bytes`);
    await closed(client);
    await until(() => f.relay.size === 0);
  });

  it('passes the backend\'s FIN on and keeps relaying the other way (half-close)', async () => {
    let backendSaw = '';
    const be = await backend((s) => {
      s.end('early answer');
      s.on('data', (c: Buffer) => (backendSaw += c));
    });
    const f = await front(be.port);
    const client = await connect(f.port);
    expect((await readAll(client)).toString()).toBe('early answer');
    client.write('after-fin');
    await until(() => backendSaw.endsWith('after-fin'), 3_000, 'bytes after the backend FIN');
    client.end();
    await closed(client);
    await until(() => f.relay.size === 0);
    expect(f.endpoint.inFlight).toBe(0);
  });

  it('holds back a fast backend while the client does not read, then delivers every byte (backpressure)', async () => {
    const size = 48 * 1024 * 1024;
    const payload = pattern(size, 7);
    const be = await backend((s) => {
      s.end(payload);
    });
    const f = await front(be.port);
    const client = await connect(f.port);
    client.pause();
    await new Promise((r) => setTimeout(r, 400));
    const [pair] = liveSockets(f.relay);
    // Without backpressure the proxy would hold tens of MB for the client; with it, about one read's worth.
    expect(pair.client.writableLength).toBeLessThan(1024 * 1024);
    expect(be.sockets[0].writableLength).toBeGreaterThan(0);
    const received = readAll(client);
    client.resume();
    const got = await received;
    expect(got.length).toBe(size);
    expect(sha(got)).toBe(sha(payload));
  });

  it('holds back a fast client while the backend does not read, then delivers every byte (backpressure)', async () => {
    const size = 48 * 1024 * 1024;
    const payload = pattern(size, 3);
    const chunks: Buffer[] = [];
    let backendSocket: net.Socket | undefined;
    const done = new Promise<Buffer>((resolve) => {
      void backend((s) => {
        backendSocket = s;
        s.pause();
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => {
          resolve(Buffer.concat(chunks));
          s.end();
        });
      }).then(async (be) => {
        const f = await front(be.port);
        const client = await connect(f.port);
        client.end(payload);
        await new Promise((r) => setTimeout(r, 400));
        const [pair] = liveSockets(f.relay);
        expect(pair.upstream.writableLength).toBeLessThan(1024 * 1024);
        expect(client.writableLength).toBeGreaterThan(0);
        backendSocket!.resume();
      });
    });
    const got = await done;
    expect(got.length).toBe(HELLO.length + size);
    expect(sha(got.subarray(HELLO.length))).toBe(sha(payload));
  });

  it('keeps concurrent relays\' bytes apart (upstream reads share one buffer)', async () => {
    const size = 4 * 1024 * 1024;
    const be = await backend((s) => {
      let seen = '';
      s.on('data', (c: Buffer) => {
        seen += c.toString('latin1');
        const m = /\|(\d+);/.exec(seen);
        if (m && !s.writableEnded) s.end(pattern(size, Number(m[1])));
      });
    });
    const f = await front(be.port);
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(f.port)));
    const received = clients.map((c, i) => {
      const all = readAll(c);
      c.write(`${i};`);
      // Some readers stall for a while, so writes to them queue while the others' reads go on.
      if (i % 2) {
        c.pause();
        setTimeout(() => c.resume(), 200);
      }
      return all;
    });
    const got = await Promise.all(received);
    got.forEach((b, i) => {
      expect(b.length).toBe(size);
      expect(sha(b)).toBe(sha(pattern(size, i)));
    });
  });

  it('closes the client and counts a refused connection when the backend is down', async () => {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const f = await front(port);
    const client = await connect(f.port, false);
    await closed(client);
    await until(() => f.relay.size === 0);
    expect(f.endpoint.inFlight).toBe(0);
    expect(await value(f.metrics, 'portico_upstream_errors_total', { cluster: 'c1', reason: 'refused' })).toBe(1);
  });

  it('gives up connecting after the connect timeout and counts it', async () => {
    // A listener that never accepts (its process is blocked) with a full accept queue: new SYNs go unanswered.
    const child: ChildProcess = spawn(
      process.execPath,
      ['-e', "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),20)})"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d)))));
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 3; i++) {
      const filler = net.connect(port, '127.0.0.1');
      filler.on('error', () => {});
      cleanups.push(() => filler.destroy());
    }
    await new Promise((r) => setTimeout(r, 100));
    const f = await front(port, 300);
    const client = await connect(f.port, false);
    const started = Date.now();
    await closed(client);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await until(() => f.relay.size === 0);
    expect(f.endpoint.inFlight).toBe(0);
    expect(await value(f.metrics, 'portico_upstream_errors_total', { cluster: 'c1', reason: 'timeout' })).toBe(1);
  });

  it('cuts the backend at once when the client resets', async () => {
    const be = await backend(() => {}, false);
    const f = await front(be.port);
    const client = await connect(f.port);
    await until(() => be.sockets.length === 1, 3_000, 'backend connection');
    client.resetAndDestroy();
    await closed(be.sockets[0]);
    await until(() => f.relay.size === 0);
    expect(f.endpoint.inFlight).toBe(0);
  });

  it('destroyAll() cuts every relayed connection', async () => {
    const be = await backend(() => {}, false);
    const f = await front(be.port);
    const clients = await Promise.all([connect(f.port, false), connect(f.port, false)]);
    await until(() => be.sockets.length === 2 && f.relay.size === 2, 3_000, 'two relays');
    f.relay.destroyAll();
    await Promise.all([...clients.map(closed), ...be.sockets.map(closed)]);
    await until(() => f.relay.size === 0);
    expect(f.endpoint.inFlight).toBe(0);
  });
});

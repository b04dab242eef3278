import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Origin, H2SessionPool } from './h2-session-pool.js';
import { classifyUpstreamError, failureCode } from './upstream-errors.js';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** An h2c server that answers headers at once and holds every body until `release()`. */
async function holdingServer(settings: http2.Settings): Promise<{ url: string; sessions: () => number; release(): void }> {
  const held: http2.ServerHttp2Stream[] = [];
  const live = new Set<http2.ServerHttp2Session>();
  let sessions = 0;
  const server = http2.createServer({ settings });
  server.on('session', (s) => {
    sessions++;
    live.add(s);
    s.once('close', () => live.delete(s));
  });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    held.push(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of live) s.destroy();
        server.close(() => r());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions: () => sessions,
    release: () => {
      for (const s of held.splice(0)) s.end('done');
    },
  };
}

function responded(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('response', () => resolve());
    stream.once('error', reject);
  });
}
function finished(stream: http2.ClientHttp2Stream): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    stream.on('data', (c: Buffer) => (body += c));
    stream.once('end', () => resolve(body));
    stream.once('error', reject);
  });
}

describe('H2Origin', () => {
  it('opens another session when one is at the peer\'s stream limit, up to a cap, then queues on the least busy', async () => {
    const server = await holdingServer({ maxConcurrentStreams: 1 });
    const origin = new H2Origin(server.url, null, logger);
    cleanups.push(() => origin.destroy());
    const first = origin.request({ ':path': '/0' });
    first.end();
    // Frames arrive in order: by the first response, the server's SETTINGS (limit 1) have been applied.
    await responded(first);
    const more = Array.from({ length: 5 }, (_, i) => {
      const s = origin.request({ ':path': `/${i + 1}` });
      s.end();
      return s;
    });
    await Promise.all(more.slice(0, 3).map(responded));
    expect(origin.sessionCount).toBe(4);
    expect(server.sessions()).toBe(4);
    // Streams 5 and 6 wait for a slot rather than being refused or opening a fifth session.
    const bodies = Promise.all([first, ...more].map(finished));
    server.release();
    await new Promise((r) => setTimeout(r, 50));
    server.release();
    await new Promise((r) => setTimeout(r, 50));
    server.release();
    expect(await bodies).toEqual(Array(6).fill('done'));
    expect(server.sessions()).toBe(4);
  });

  it('reuses its session for sequential requests and connects anew once the peer closes it', async () => {
    const server = await holdingServer({});
    const origin = new H2Origin(server.url, null, logger);
    cleanups.push(() => origin.destroy());
    for (let i = 0; i < 3; i++) {
      const s = origin.request({ ':path': '/' });
      s.end();
      const body = finished(s);
      await responded(s);
      server.release();
      await body;
    }
    expect(server.sessions()).toBe(1);
    origin.retire(); // GOAWAY from our side; the next request must not use the closing session
    const s = origin.request({ ':path': '/' });
    s.end();
    const body = finished(s);
    await responded(s);
    server.release();
    expect(await body).toBe('done');
    expect(server.sessions()).toBe(2);
  });

  it('closes a session idle for the idle time, but not while a quiet stream is open on it', async () => {
    const server = await holdingServer({});
    const origin = new H2Origin(server.url, null, logger, { idleMs: 100 });
    cleanups.push(() => origin.destroy());
    const quiet = origin.request({ ':path': '/' });
    quiet.end();
    await responded(quiet);
    await new Promise((r) => setTimeout(r, 250));
    expect(origin.sessionCount).toBe(1);
    const body = finished(quiet);
    server.release();
    await body;
    await new Promise((r) => setTimeout(r, 250));
    expect(origin.sessionCount).toBe(0);
  });

  it('abandons a connect that does not complete in time: waiting streams fail with ETIMEDOUT', async () => {
    // Accepts TCP and never answers the TLS handshake.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      silent.close(() => r());
    }));
    const origin = new H2Origin(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, null, logger, { connectTimeoutMs: 100 });
    cleanups.push(() => origin.destroy());
    const stream = origin.request({ ':path': '/' });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => stream.once('error', resolve));
    expect(failureCode(err)).toBe('ETIMEDOUT');
    expect(classifyUpstreamError(err)).toBe('timeout');
  });
});

describe('H2SessionPool', () => {
  it('keeps an origin for a live key and retires the others once their streams end', async () => {
    const server = await holdingServer({});
    const pool = new H2SessionPool();
    cleanups.push(() => pool.destroyAll());
    const port = Number(new URL(server.url).port);
    const kept = pool.acquire('a', '127.0.0.1', port, null, logger);
    const retired = pool.acquire('b', '127.0.0.1', port, null, logger);
    expect(pool.acquire('a', '127.0.0.1', port, null, logger)).toBe(kept);
    const running = retired.request({ ':path': '/' });
    running.end();
    await responded(running);
    pool.retainOnly(new Set(['a']));
    expect(pool.size).toBe(1);
    // The running stream still finishes on the retired origin's session, which then closes.
    const body = finished(running);
    server.release();
    expect(await body).toBe('done');
    await new Promise((r) => setTimeout(r, 50));
    expect(retired.busy).toBe(false);
  });
});

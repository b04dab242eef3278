import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { metricValue } from './support/metrics.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint, route, table, vhost, cluster } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

/**
 * The connection-level behaviour of the proxy's own HTTP/1.1 server that node:http used to provide: keep-alive,
 * pipelining in order, framing of responses without a length, HEAD, long header blocks, idle and drain closes.
 * Parser strictness is proven separately, against node:http, in client-requests.test.ts.
 */

let proxy: ProxyHandle | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

/** An upstream with a few special paths: /slow answers late, /unframed has no Content-Length, /echo-headers counts headers. */
async function setup(limits: ProxyOptions['limits'] = {}): Promise<ProxyHandle> {
  upstream = await startUpstream('u', (req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.end('slow'), 150);
      return true;
    }
    if (req.url === '/unframed') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part one,');
      setTimeout(() => res.end('part two'), 20);
      return true;
    }
    return false;
  });
  proxy = await startTestProxy({ limits, initialTable: catchAll(1, 'c', [endpoint(upstream.port)]) });
  return proxy;
}

/** A raw client connection that collects everything the proxy sends and says when the proxy closed it. */
function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let waiters: Array<() => void> = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const wake of waiters) wake();
  });
  return {
    socket,
    closed,
    get text() {
      return received;
    },
    send: (bytes: string) => socket.write(bytes, 'latin1'),
    /** Waits (at most 3 s) until what arrived satisfies `done`. */
    until(done: (text: string) => boolean): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!done(received)) return;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve(received);
        };
        const timer = setTimeout(() => reject(new Error(`timed out; ${received.length} bytes received, ending ${JSON.stringify(received.slice(-300))}`)), 3_000);
        waiters.push(check);
        check();
      });
    },
  };
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;
const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe('keep-alive and pipelining', () => {
  it('answers pipelined requests in the order they came, even when the first upstream answer is the slowest', async () => {
    const { httpPort } = await setup();
    const client = rawClient(httpPort);
    client.send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast-1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fast-2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await client.closed;
    const order = [...client.text.matchAll(/slow|"url":"(\/fast-\d)"/g)].map((m) => m[1] ?? 'slow');
    expect(order).toEqual(['slow', '/fast-1', '/fast-2']);
    expect(statuses(client.text)).toEqual([200, 200, 200]);
  });

  it('keeps a connection usable after a local answer to a request whose body it did not read', async () => {
    upstream = await startUpstream('u');
    // Only a.test is routed: a POST to b.test is answered 404 by the proxy, with its body still on the wire.
    proxy = await startTestProxy({ initialTable: table(1, [vhost('a.test', [route('r', '/', 'Prefix', 'c')])], [cluster('c', [endpoint(upstream.port)])]) });
    const client = rawClient(proxy.httpPort);
    client.send(`POST /x HTTP/1.1\r\nHost: b.test\r\nContent-Length: 5000\r\n\r\n${'z'.repeat(5000)}GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n`);
    const text = await client.until((t) => t.includes('"url":"/after"'));
    expect(statuses(text)).toEqual([404, 200]);
    expect(upstream.requests.map((r) => r.url)).toEqual(['/after']);
    client.socket.destroy();
  });

  it('forwards every header of a request with more header lines than llhttp hands over at once', async () => {
    const { httpPort } = await setup();
    let request = 'GET /many HTTP/1.1\r\nHost: a\r\n';
    for (let i = 0; i < 80; i++) request += `X-Line-${i}: value-${i}\r\n`;
    const client = rawClient(httpPort);
    client.send(request + 'Connection: close\r\n\r\n');
    await client.closed;
    const seen = upstream!.requests[0]!;
    expect(seen.url).toBe('/many');
    for (let i = 0; i < 80; i++) expect(seen.headers[`x-line-${i}`]).toBe(`value-${i}`);
  });

  it('closes a keep-alive connection left idle for the keep-alive timeout, and says so in Keep-Alive', async () => {
    const { httpPort } = await setup({ keepAliveTimeoutMs: 1_000 });
    const client = rawClient(httpPort);
    const started = Date.now();
    client.send('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = await client.until((t) => t.includes('"url":"/one"'));
    expect(text.toLowerCase()).toContain('keep-alive: timeout=1\r\n');
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('many pipelined requests', () => {
  it('answers thousands of requests queued behind a slow one, in order, without growing the stack', async () => {
    upstream = await startUpstream('u', (req) => req.url === '/hang'); // never answers /hang
    proxy = await startTestProxy({
      upstreamTimeoutMs: 200,
      initialTable: table(1, [vhost('a.test', [route('r', '/', 'Prefix', 'c')])], [cluster('c', [endpoint(upstream.port)])]),
    });
    const queued = 3_000;
    const client = rawClient(proxy.httpPort);
    // One write: the whole queue is parsed while /hang waits for its 504; each queued request gets a local 404.
    client.send('GET /hang HTTP/1.1\r\nHost: a.test\r\n\r\n' + 'GET / HTTP/1.1\r\nHost: b.test\r\n\r\n'.repeat(queued));
    const text = await client.until((t) => count(t, 'HTTP/1.1 404 ') === queued);
    const answered = statuses(text);
    expect(answered[0]).toBe(504);
    expect(answered.slice(1).every((status) => status === 404)).toBe(true);
    client.socket.destroy();
  });
});

describe('a client that does not read its responses', () => {
  it('stops reading its pipelined requests instead of buffering answers without bound', async () => {
    upstream = await startUpstream('u');
    // Nothing is routed: every request gets the proxy's own 404, the cheapest answer to pile up.
    proxy = await startTestProxy({ initialTable: table(1, [vhost('a.test', [route('r', '/', 'Prefix', 'c')])], [cluster('c', [endpoint(upstream.port)])]) });
    const socket = net.connect(proxy.httpPort, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.pause(); // never read
    await new Promise((resolve) => socket.once('connect', resolve));
    const sent = 200_000;
    const request = 'GET / HTTP/1.1\r\nHost: b.test\r\n\r\n';
    for (let i = 0; i < sent; i += 1_000) socket.write(request.repeat(1_000));
    // Long enough for the proxy to read and answer all of them if nothing held it back.
    await new Promise((r) => setTimeout(r, 2_500));
    const answered = await metricValue(proxy, 'portico_requests_total', { status: '404' });
    socket.destroy();
    // Answers are ~170 bytes: what fits in the loopback socket buffers (~20,000 here), far fewer than were sent
    // (without the hold, 85,000 were answered in 1.5 s, bounded only by the proxy's speed).
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(sent / 4);
  });
});

describe('idle timeout', () => {
  it('does not cut a slow upload that keeps sending, and cuts a connection that goes quiet', async () => {
    const { httpPort } = await setup({ socketIdleTimeoutMs: 400, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000 });
    const client = rawClient(httpPort);
    client.send('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n');
    // 12 bytes, one every 150 ms: 1.8 s in all, every gap well inside the 400 ms idle timeout.
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 150));
      client.send('x');
    }
    const text = await client.until((t) => t.includes('"url":"/upload"'));
    expect(statuses(text)).toEqual([200]);
    expect(upstream!.requests[0]!.bodyBytes).toBe(12);
    const quietSince = Date.now();
    await client.closed;
    expect(Date.now() - quietSince).toBeLessThan(2_000);
  });
});

describe('response framing', () => {
  it('sends an upstream answer without Content-Length chunked to an HTTP/1.1 client and keeps the connection', async () => {
    const { httpPort } = await setup();
    const client = rawClient(httpPort);
    client.send('GET /unframed HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = await client.until((t) => t.endsWith('0\r\n\r\n'));
    expect(text.toLowerCase()).toContain('transfer-encoding: chunked');
    // Parsed by Node's own client, the body is whole.
    const res = await getWithAgent(httpPort, '/unframed');
    expect(res).toBe('part one,part two');
    client.send('GET /again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(client.text).toContain('"url":"/again"');
  });

  it('ends an unframed answer to an HTTP/1.0 client by closing the connection', async () => {
    const { httpPort } = await setup();
    const client = rawClient(httpPort);
    client.send('GET /unframed HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
    await client.closed;
    const [head, body] = client.text.split('\r\n\r\n');
    expect(head!.toLowerCase()).not.toContain('transfer-encoding');
    expect(head!.toLowerCase()).toContain('connection: close');
    expect(body).toBe('part one,part two');
  });

  it('relays HEAD without a body and keeps the connection for the next request', async () => {
    const { httpPort } = await setup();
    const client = rawClient(httpPort);
    client.send('HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /g HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(statuses(client.text)).toEqual([200, 200]);
    // One JSON body only: the GET's.
    expect(count(client.text, '{"name":"u"')).toBe(1);
    expect(client.text).toContain('"url":"/g"');
  });
});

describe('shutdown', () => {
  it('answers a request in progress during drain with Connection: close, then closes', async () => {
    const { httpPort } = await setup();
    const client = rawClient(httpPort);
    client.send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = proxy!.close();
    await client.closed;
    await closing;
    proxy = undefined;
    expect(statuses(client.text)).toEqual([200]);
    expect(client.text.toLowerCase()).toContain('connection: close');
    expect(client.text.endsWith('slow')).toBe(true);
  });
});

function getWithAgent(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host: 'a' }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

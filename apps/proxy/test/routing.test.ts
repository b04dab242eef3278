import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { captureLogger } from './support/capture-logger.js';
import { request, requestJson } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, cluster, endpoint, route, table, vhost } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

let proxy: ProxyHandle | undefined;
const upstreams: TestUpstream[] = [];
const extraServers: Array<http.Server | net.Server> = [];

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]): Promise<TestUpstream> {
  const u = await startUpstream(name, handler);
  upstreams.push(u);
  return u;
}

async function proxyWith(options: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy(options);
  return proxy;
}

beforeEach(() => {
  upstreams.length = 0;
  extraServers.length = 0;
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(upstreams.map((u) => u.close()));
  for (const s of extraServers) {
    if (s instanceof http.Server) s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

describe('before any configuration', () => {
  it('answers 503 saying no configuration has been received', async () => {
    const p = await proxyWith();
    const res = await request(p.httpPort, '/anything');
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/no configuration has been received yet/);
    expect(p.currentGeneration()).toBeNull();
  });
});

describe('routing', () => {
  it('routes by host, ignoring case and port, exact before wildcard before host-less', async () => {
    const [exact, wildcard, any] = await Promise.all([upstream('exact'), upstream('wildcard'), upstream('any')]);
    const p = await proxyWith({
      initialTable: table(
        1,
        [
          vhost('foo.example.com', [route('r-exact', '/', 'Prefix', 'c-exact')]),
          vhost('*.example.com', [route('r-wild', '/', 'Prefix', 'c-wild')]),
          vhost('*', [route('r-any', '/', 'Prefix', 'c-any')]),
        ],
        [cluster('c-exact', [endpoint(exact.port)]), cluster('c-wild', [endpoint(wildcard.port)]), cluster('c-any', [endpoint(any.port)])],
      ),
    });
    const who = async (host: string): Promise<string> => (await requestJson(p.httpPort, '/', { headers: { host } })).json.name;
    expect(await who('FOO.Example.COM:8000')).toBe('exact');
    expect(await who('bar.example.com')).toBe('wildcard');
    expect(await who('baz.bar.example.com')).toBe('any');
    expect(await who('example.com')).toBe('any');
  });

  it('applies Exact and Prefix matching with longest-match and Exact-beats-Prefix', async () => {
    const [exact, prefix, root] = await Promise.all([upstream('exact'), upstream('prefix'), upstream('root')]);
    const p = await proxyWith({
      initialTable: table(
        1,
        [
          vhost('example.com', [
            route('r-foo-exact', '/foo', 'Exact', 'c-exact'),
            route('r-foo-prefix', '/foo', 'Prefix', 'c-prefix'),
            route('r-root', '/', 'Prefix', 'c-root'),
          ]),
        ],
        [cluster('c-exact', [endpoint(exact.port)]), cluster('c-prefix', [endpoint(prefix.port)]), cluster('c-root', [endpoint(root.port)])],
      ),
    });
    const who = async (path: string): Promise<string> => (await requestJson(p.httpPort, path, { headers: { host: 'example.com' } })).json.name;
    expect(await who('/foo')).toBe('exact');
    expect(await who('/foo?x=1')).toBe('exact');
    expect(await who('/foo/')).toBe('prefix');
    expect(await who('/foo/bar')).toBe('prefix');
    expect(await who('/foobar')).toBe('root');
    expect(await who('/a/../foo')).toBe('exact'); // normalised before matching
  });

  it('answers 404 when nothing matches and uses the default backend when there is one', async () => {
    const only = await upstream('hi');
    const p = await proxyWith({
      initialTable: table(1, [vhost('example.com', [route('r-hi', '/hi', 'Exact', 'c-hi')])], [cluster('c-hi', [endpoint(only.port)])]),
    });
    const miss = await request(p.httpPort, '/foo', { headers: { host: 'example.com' } });
    expect(miss.status).toBe(404);
    expect(miss.body).toMatch(/^Not Found/);
    expect(only.requests).toHaveLength(0);

    const fallback = await upstream('fallback');
    p.applyTable(
      table(2, [vhost('example.com', [route('r-hi', '/hi', 'Exact', 'c-hi')])], [cluster('c-hi', [endpoint(only.port)]), cluster('c-def', [endpoint(fallback.port)])], 'c-def'),
    );
    expect((await requestJson(p.httpPort, '/foo', { headers: { host: 'example.com' } })).json.name).toBe('fallback');
  });

  it('answers 400 to a path that cannot be normalised and never forwards it', async () => {
    const u = await upstream('u');
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const res = await request(p.httpPort, '/bad%zzpath');
    expect(res.status).toBe(400);
    expect(u.requests).toHaveLength(0);
  });

  it('forwards the normalised path with the original query string', async () => {
    const u = await upstream('u');
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const res = await requestJson(p.httpPort, '//a/./b/%7Euser?q=%2F&x=1');
    expect(res.json.url).toBe('/a/b/~user?q=%2F&x=1');
  });

  it('rewrites the path: ^/httpbin/? → / turns /httpbin/hi into /hi', async () => {
    const u = await upstream('httpbin');
    const p = await proxyWith({
      initialTable: table(
        1,
        [vhost('*', [route('r-httpbin', '/httpbin', 'Prefix', 'c', { from: '^/httpbin/?', to: '/' })])],
        [cluster('c', [endpoint(u.port)])],
      ),
    });
    expect((await requestJson(p.httpPort, '/httpbin/hi?a=b')).json.url).toBe('/hi?a=b');
    expect((await requestJson(p.httpPort, '/httpbin')).json.url).toBe('/');
  });
});

describe('upstream failures', () => {
  it('answers 503 when the cluster has no ready endpoint', async () => {
    const u = await upstream('not-ready');
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port, false)]) });
    const res = await request(p.httpPort, '/');
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/no ready endpoint/);
    expect(u.requests).toHaveLength(0);
  });

  it('answers 503 when the route names a cluster that does not exist', async () => {
    const p = await proxyWith({ initialTable: table(1, [vhost('*', [route('r', '/', 'Prefix', 'missing')])], []) });
    expect((await request(p.httpPort, '/')).status).toBe(503);
  });

  it('answers 502 when the upstream refuses the connection', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(port)]) });
    const res = await request(p.httpPort, '/');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/refused/);
  });

  /** A TCP upstream that reads each request head, records it, and answers with `reply(socket)`. */
  async function rawUpstream(reply: (socket: net.Socket) => void): Promise<{ port: number; requests: string[] }> {
    const requests: string[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (chunk: Buffer) => {
        requests.push(chunk.toString('latin1').split('\r\n')[0]!);
        reply(socket);
      });
    });
    extraServers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as net.AddressInfo).port, requests };
  }

  it('answers 502 when the upstream resets the connection before answering: a GET is tried twice, a POST once', async () => {
    // Retrying an idempotent bodiless request on a connection that broke before any response, fresh or reused, is
    // what nginx's default proxy_next_upstream does; a request with a body is never sent twice.
    const resetter = await rawUpstream((socket) => socket.resetAndDestroy());
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(resetter.port)]) });
    expect((await request(p.httpPort, '/get')).status).toBe(502);
    expect(resetter.requests).toEqual(['GET /get HTTP/1.1', 'GET /get HTTP/1.1']);
    expect((await request(p.httpPort, '/post', { method: 'POST', body: 'x' })).status).toBe(502);
    expect(resetter.requests.slice(2)).toEqual(['POST /post HTTP/1.1']);
  });

  it('keeps waiting for the final answer after a 1xx, within the upstream timeout: 504, not a hang', async () => {
    const hinting = await rawUpstream((socket) => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'));
    const p = await proxyWith({ upstreamTimeoutMs: 300, initialTable: catchAll(1, 'c', [endpoint(hinting.port)]) });
    const started = Date.now();
    const res = await request(p.httpPort, '/');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('skips an unsolicited 100 Continue and relays the final answer, sending the request once', async () => {
    // RFC 9110 §15.2: a client must parse 1xx responses it did not expect; node:http's client skips them too.
    const continuing = await rawUpstream((socket) => socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(continuing.port)]) });
    const res = await request(p.httpPort, '/');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'ok' });
    expect(continuing.requests).toHaveLength(1);
  });

  it('answers 502 to a 101 Switching Protocols the request did not ask for', async () => {
    const switching = await rawUpstream((socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(switching.port)]) });
    expect((await request(p.httpPort, '/')).status).toBe(502);
    expect(switching.requests).toHaveLength(1);
  });

  it('says why it refused an upstream response: to the client in general, to the operator with the parser reason, once per interval', async () => {
    const smuggling = await rawUpstream((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
    const { logger, lines } = captureLogger();
    const p = await proxyWith({ logger, initialTable: catchAll(1, 'c', [endpoint(smuggling.port)]) });
    for (let i = 0; i < 3; i++) {
      const res = await request(p.httpPort, '/');
      expect({ status: res.status, body: res.body }).toEqual({ status: 502, body: 'Bad Gateway: the upstream response was invalid\n' });
    }
    const refusals = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'the upstream response was refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ clusterId: 'c', upstream: `127.0.0.1:${smuggling.port}`, code: expect.stringMatching(/^HPE_/), err: expect.stringMatching(/Transfer-Encoding|Content-Length/i) });
  });

  it('answers 504 when the upstream does not send headers in time', async () => {
    const silent = await upstream('silent', () => true); // accepts and never answers
    const p = await proxyWith({ upstreamTimeoutMs: 200, initialTable: catchAll(1, 'c', [endpoint(silent.port)]) });
    const started = Date.now();
    const res = await request(p.httpPort, '/');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('pooled upstream connections', () => {
  /** Answers the first request on each connection with keep-alive, then drops the connection on the next one. */
  async function flakyKeepAliveUpstream(): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      let served = 0;
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        if (!buffered.includes('\r\n\r\n')) return;
        buffered = '';
        if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nfresh');
        else socket.destroy(); // the upstream closed this "idle" connection as the proxy reused it
      });
      socket.on('error', () => undefined);
    });
    extraServers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
  }

  it('retries a bodiless GET once when a reused upstream connection turns out to be closed', async () => {
    const flaky = await flakyKeepAliveUpstream();
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(flaky.port)]) });
    expect((await request(p.httpPort, '/one')).body).toBe('fresh');
    const second = await request(p.httpPort, '/two');
    expect(second.status).toBe(200);
    expect(second.body).toBe('fresh');
    expect(flaky.connections()).toBe(2);
  });

  it('sends the retry to an endpoint the cluster has now when the first one left the table meanwhile', async () => {
    // The first endpoint holds the request, then drops the connection; the table moves to another endpoint meanwhile.
    const leaving = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => setTimeout(() => socket.destroy(), 300));
    });
    extraServers.push(leaving);
    await new Promise<void>((r) => leaving.listen(0, '127.0.0.1', r));
    const staying = await upstream('staying');
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint((leaving.address() as net.AddressInfo).port)]) });
    const pending = requestJson(p.httpPort, '/moved');
    await new Promise((r) => setTimeout(r, 100));
    expect(p.applyTable(catchAll(2, 'c', [endpoint(staying.port)])).ok).toBe(true);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json.name).toBe('staying');
  });

  it("honours the upstream's Keep-Alive timeout, less a second, before reusing a connection", async () => {
    // An upstream that keeps idle connections for `timeout` seconds says so; reusing one it is closing would fail a
    // POST (never retried), so the proxy stops reusing a second early: at timeout=1, never.
    let hint = 'timeout=1';
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
      socket.on('data', () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: ${hint}\r\n\r\nok`));
    });
    extraServers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint((server.address() as net.AddressInfo).port)]) });
    for (const path of ['/a', '/b', '/c']) expect((await request(p.httpPort, path, { method: 'POST', body: 'x' })).body).toBe('ok');
    expect(connections).toBe(3);
    hint = 'timeout=3, max=100';
    for (const path of ['/d', '/e', '/f']) expect((await request(p.httpPort, path, { method: 'POST', body: 'x' })).body).toBe('ok');
    expect(connections).toBe(4); // the first of these opened one; the next two reused it (idle well under 2 s)
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await request(p.httpPort, '/g', { method: 'POST', body: 'x' })).body).toBe('ok');
    expect(connections).toBe(5); // idle past 3 s − 1 s: not reused
  });

  it('does not replay a request with a body: 502 instead', async () => {
    const flaky = await flakyKeepAliveUpstream();
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(flaky.port)]) });
    expect((await request(p.httpPort, '/one')).status).toBe(200);
    const post = await request(p.httpPort, '/two', { method: 'POST', body: 'payload' });
    expect(post.status).toBe(502);
    expect(flaky.connections()).toBe(1);
  });
});

describe('headers', () => {
  it('sets X-Forwarded-* and keeps the client Host header', async () => {
    const u = await upstream('u');
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const res = await requestJson(p.httpPort, '/', { headers: { host: 'Shop.Example.com:8443', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } });
    expect(res.json.headers).toMatchObject({
      host: 'Shop.Example.com:8443',
      'x-forwarded-for': '203.0.113.7, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'Shop.Example.com:8443',
      'x-forwarded-port': String(p.httpPort),
    });
  });

  it('removes hop-by-hop headers in both directions', async () => {
    const u = await upstream('hop', (req, res) => {
      res.writeHead(200, { connection: 'X-Upstream-Private', 'x-upstream-private': 'secret', 'keep-alive': 'timeout=99', 'x-kept': 'yes', 'content-length': 2 });
      res.end('ok');
      return true;
    });
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const res = await request(p.httpPort, '/', {
      headers: { connection: 'X-Client-Private', 'x-client-private': 'secret', te: 'trailers', 'proxy-authorization': 'Basic eA==', 'x-end': 'kept' },
    });
    const seen = u.requests[0].headers;
    expect(seen['x-client-private']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['x-end']).toBe('kept');
    expect(res.headers['x-upstream-private']).toBeUndefined();
    // The proxy may state its own keep-alive policy, but never relays the upstream's.
    expect(res.headers['keep-alive']).not.toBe('timeout=99');
    expect(res.headers['x-kept']).toBe('yes');
    expect(res.body).toBe('ok');
  });
});

/** Writes `size` bytes in 64 KiB chunks, waiting for 'drain' whenever asked to, then ends; returns bytes written so far. */
function writeWithBackpressure(stream: http.ClientRequest | http.ServerResponse, size: number): () => number {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  const pump = (): void => {
    while (sent < size) {
      sent += chunk.length;
      if (!stream.write(chunk)) return void stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
  return () => sent;
}

describe('bodies', () => {
  it('streams a large request body and a large response body without buffering them whole', async () => {
    const size = 8 * 1024 * 1024;
    const u = await upstream('big', (req, res) => {
      // Echo the body back as it arrives: the response starts before the request ends.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return true;
    });
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: p.httpPort, method: 'POST', path: '/upload', agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      });
      req.on('error', reject);
      writeWithBackpressure(req, size);
    });
    expect(received).toBe(size);
  });

  it('relays a request sent with Expect: 100-continue: the client is told to continue and the upstream gets the body', async () => {
    const u = await upstream('expect', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => res.end(JSON.stringify({ body, expect: req.headers.expect ?? null })));
      return true;
    });
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    const answer = await new Promise<{ continued: boolean; status: number; json: { body: string; expect: string | null } }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        { host: '127.0.0.1', port: p.httpPort, method: 'PUT', path: '/upload', agent: false, headers: { expect: '100-continue', 'content-length': 7 } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end('payload');
      });
      req.on('error', reject);
    });
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(200);
    // The expectation was met at the proxy; the upstream gets the body without being asked again.
    expect(answer.json).toEqual({ body: 'payload', expect: null });
  });

  it("passes a slow client's backpressure on to the upstream instead of buffering the response", async () => {
    // Far more than the socket buffers between client, proxy and upstream can hold on loopback.
    const size = 64 * 1024 * 1024;
    let sent = () => 0;
    const u = await upstream('slow-reader', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      sent = writeWithBackpressure(res, size);
      return true;
    });
    const p = await proxyWith({ initialTable: catchAll(1, 'c', [endpoint(u.port)]) });
    let sentWhileClientPaused = 0;
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/slow', agent: false }, (res) => {
        res.pause();
        setTimeout(() => {
          sentWhileClientPaused = sent();
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => resolve(n));
          res.resume();
        }, 500);
      });
      req.on('error', reject);
    });
    expect(sentWhileClientPaused).toBeLessThan(size / 2);
    expect(received).toBe(size);
  });
});

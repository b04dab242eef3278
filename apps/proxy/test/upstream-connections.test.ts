import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { rawExchange, request } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';

let proxy: ProxyHandle | undefined;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  // Whatever the proxy left open (a test that failed) must not hold the servers' close.
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** Listens on 127.0.0.1 (a free port), closed after the test with every connection it accepted. */
async function listen(server: net.Server): Promise<number> {
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function proxyTo(port: number, extra: ProxyOptions = {}): Promise<ProxyHandle> {
  proxy = await startTestProxy({ initialTable: catchAll(1, 'c', [endpoint(port)]), drainTimeoutMs: 1_000, ...extra });
  return proxy;
}

interface RawRequest {
  head: string;
  method: string;
  target: string;
  /** Header lines as [lower-case name, value]. */
  headers: Array<[string, string]>;
  /** The body as sent on the wire (chunk framing included). */
  rawBody: Buffer;
  /** The body decoded. */
  body: Buffer;
}

interface RawConnection {
  id: number;
  socket: net.Socket;
  requests: RawRequest[];
  closed: Promise<void>;
  isClosed: boolean;
  /** What made the upstream's parser give up on this connection (bad framing), if anything. */
  error: string | null;
}

/** Parses one request from the front of `buf` (Content-Length or chunked body); null until it is all there. */
function parseRequest(buf: Buffer): { request: RawRequest; used: number } | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const [requestLine, ...lines] = head.split('\r\n');
  const [method, target] = requestLine!.split(' ');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const value = (name: string) => headers.find(([n]) => n === name)?.[1];
  let at = headEnd + 4;
  const bodyStart = at;
  let body = Buffer.alloc(0);
  if (value('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd === -1) return null;
      const sizeText = buf.subarray(at, lineEnd).toString('latin1');
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(sizeText)}`);
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        if (buf.length < lineEnd + 4) return null;
        if (buf.subarray(lineEnd + 2, lineEnd + 4).toString('latin1') !== '\r\n') throw new Error('trailers or bad last chunk');
        at = lineEnd + 4;
        break;
      }
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      if (buf.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1') !== '\r\n') throw new Error('chunk without its CRLF');
      at = lineEnd + 4 + size;
    }
    body = Buffer.concat(parts);
  } else if (value('content-length') !== undefined) {
    const length = Number(value('content-length'));
    if (buf.length < at + length) return null;
    body = Buffer.from(buf.subarray(at, at + length));
    at += length;
  }
  return { request: { head, method: method!, target: target!, headers, rawBody: Buffer.from(buf.subarray(bodyStart, at)), body }, used: at };
}

/**
 * A TCP upstream that parses each request on each connection (kept open unless `answer` closes it) and lets
 * `answer` write whatever bytes it likes. Connections are numbered in the order they were accepted.
 */
async function rawUpstream(answer: (req: RawRequest, conn: RawConnection) => void): Promise<{ port: number; connections: RawConnection[] }> {
  const connections: RawConnection[] = [];
  const server = net.createServer((socket) => {
    let resolveClosed!: () => void;
    const conn: RawConnection = { id: connections.length, socket, requests: [], closed: new Promise((r) => (resolveClosed = r)), isClosed: false, error: null };
    connections.push(conn);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.isClosed = true;
      resolveClosed();
    });
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (conn.error !== null) return;
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        let parsed: ReturnType<typeof parseRequest>;
        try {
          parsed = parseRequest(buffered);
        } catch (err) {
          conn.error = (err as Error).message;
          socket.destroy();
          return;
        }
        if (!parsed) return;
        buffered = buffered.subarray(parsed.used);
        conn.requests.push(parsed.request);
        answer(parsed.request, conn);
      }
    });
  });
  return { port: await listen(server), connections };
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;


/**
 * A node:http upstream whose handler is told which connection (numbered in order of acceptance) carried the request.
 * Its keep-alive timeout is long, so that only the proxy closes idle connections.
 */
async function httpUpstream(handle: (req: http.IncomingMessage, res: http.ServerResponse, connection: number) => void): Promise<{ port: number; connections: () => number }> {
  const ids = new WeakMap<net.Socket, number>();
  let accepted = 0;
  const server = http.createServer((req, res) => handle(req, res, ids.get(req.socket)!));
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: net.Socket) => ids.set(socket, accepted++));
  return { port: await listen(server), connections: () => accepted };
}

/** `promise`, or a failure naming `what` after `ms` (so a hang fails fast and says where). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A POST through the proxy whose body is written as `chunks` (chunked unless `headers` give a Content-Length). */
function upload(port: number, path: string, chunks: Buffer[], headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('keep-alive upstream connections', () => {
  it('carries sequential requests on one connection; concurrent ones open more, which are then reused, most recently used first', async () => {
    // Each request is answered only once `gate` of them are waiting: concurrent requests cannot share a connection.
    let gate = 1;
    const held: Array<() => void> = [];
    const up = await httpUpstream((_req, res, connection) => {
      held.push(() => res.end(String(connection)));
      if (held.length >= gate) for (const answer of held.splice(0)) answer();
    });
    const p = await proxyTo(up.port);
    const get = async (path: string): Promise<string> => {
      const res = await within(request(p.httpPort, path), 3_000, path);
      expect(res.status).toBe(200);
      return res.body;
    };

    const sequential: string[] = [];
    for (let i = 0; i < 5; i++) sequential.push(await get(`/seq-${i}`));
    expect(sequential).toEqual(['0', '0', '0', '0', '0']);
    expect(up.connections()).toBe(1);

    gate = 4;
    const first = await Promise.all([0, 1, 2, 3].map((i) => get(`/a-${i}`)));
    expect(new Set(first).size).toBe(4);
    expect(up.connections()).toBe(4); // the idle one, and three new
    const second = await Promise.all([0, 1, 2, 3].map((i) => get(`/b-${i}`)));
    expect(new Set(second)).toEqual(new Set(first));
    expect(up.connections()).toBe(4);

    // One at a time again: always the connection released last, so that the others go idle and age out.
    gate = 1;
    const after: string[] = [];
    for (let i = 0; i < 6; i++) after.push(await get(`/after-${i}`));
    expect(new Set(after).size).toBe(1);
    expect(up.connections()).toBe(4);
  });

  it.each([
    ['Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ])('does not reuse a connection after a response with %s: the proxy closes it and the next request opens another', async (_name, response) => {
    // The upstream never closes a connection itself, and answers whatever request arrives on it.
    const up = await rawUpstream((_req, conn) => conn.socket.write(response));
    const p = await proxyTo(up.port, { upstreamTimeoutMs: 2_000 });
    expect(await request(p.httpPort, '/one')).toMatchObject({ status: 200, body: 'ok' });
    await within(up.connections[0]!.closed, 2_000, 'the proxy closing the connection');
    expect(await request(p.httpPort, '/two')).toMatchObject({ status: 200, body: 'ok' });
    expect(up.connections.map((c) => c.requests.map((r) => r.target))).toEqual([['/one'], ['/two']]);
  });

  it('reuses a connection after an HTTP/1.0 response that asked for keep-alive', async () => {
    const up = await rawUpstream((_req, conn) => conn.socket.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'));
    const p = await proxyTo(up.port);
    for (const path of ['/one', '/two', '/three']) expect(await request(p.httpPort, path)).toMatchObject({ status: 200, body: 'ok' });
    expect(up.connections.map((c) => c.requests.length)).toEqual([3]);
  });

  it('keeps an idle connection for 3 s, closes it within a second more, and opens a new one afterwards', async () => {
    const up = await rawUpstream((_req, conn) => conn.socket.write(ok('hi')));
    const p = await proxyTo(up.port);
    expect((await request(p.httpPort, '/one')).body).toBe('hi');
    await sleep(1_500);
    expect((await request(p.httpPort, '/two')).body).toBe('hi');
    const idleFrom = Date.now();
    expect(up.connections).toHaveLength(1);
    await within(up.connections[0]!.closed, 6_000, 'the idle connection to be closed');
    const idleFor = Date.now() - idleFrom;
    expect(idleFor).toBeGreaterThan(2_500);
    expect(idleFor).toBeLessThan(5_000);
    expect((await request(p.httpPort, '/three')).body).toBe('hi');
    expect(up.connections.map((c) => c.requests.length)).toEqual([2, 1]);
  });

  it('closes the connections of an endpoint that left the table: an idle one at once, a busy one as soon as its response is over', async () => {
    let release: (() => void) | undefined;
    const leaving = await rawUpstream((req, conn) => {
      if (req.target === '/slow') release = () => conn.socket.write(ok('slow'));
      else conn.socket.write(ok('old'));
    });
    const staying = await rawUpstream((_req, conn) => conn.socket.write(ok('new')));
    const p = await proxyTo(leaving.port);
    const slow = request(p.httpPort, '/slow');
    await within(
      (async () => {
        while (release === undefined) await sleep(10);
      })(),
      2_000,
      'the slow request to arrive',
    );
    expect((await request(p.httpPort, '/quick')).body).toBe('old');
    expect(leaving.connections).toHaveLength(2);
    const [busy, idle] = leaving.connections as [RawConnection, RawConnection];

    expect(p.applyTable(catchAll(2, 'c', [endpoint(staying.port)])).ok).toBe(true);
    // Well before the 3 s idle sweep would have closed it.
    await within(idle.closed, 1_000, 'the idle connection of the retired endpoint to close');
    expect(busy.isClosed).toBe(false);
    release!();
    expect(await slow).toMatchObject({ status: 200, body: 'slow' });
    await within(busy.closed, 1_000, 'the busy connection of the retired endpoint to close after its response');
    expect((await request(p.httpPort, '/next')).body).toBe('new');
    expect(leaving.connections).toHaveLength(2);
  });
});

describe('request bodies', () => {
  /** A body whose framing a sloppy relay would get wrong: multi-byte characters, a fake last chunk, binary bytes. */
  const tricky = (): Buffer[] => [Buffer.from('héllo wörld, '), Buffer.from('0\r\n\r\n'), randomBytes(100_000), Buffer.from('ünd the end')];

  it('sends a chunked upload as a valid chunked body with the same bytes, and the connection stays in step for the next request', async () => {
    const up = await rawUpstream((req, conn) => conn.socket.write(ok(`${req.method} ${req.target}`)));
    const p = await proxyTo(up.port);
    const chunks = tricky();
    expect(await upload(p.httpPort, '/chunked', chunks)).toMatchObject({ status: 200, body: 'POST /chunked' });
    expect((await request(p.httpPort, '/after')).body).toBe('GET /after');

    expect(up.connections).toHaveLength(1);
    const conn = up.connections[0]!;
    expect(conn.error).toBeNull();
    expect(conn.requests.map((r) => r.target)).toEqual(['/chunked', '/after']);
    const post = conn.requests[0]!;
    expect(post.headers.filter(([name]) => name === 'transfer-encoding').map(([, value]) => value)).toEqual(['chunked']);
    expect(post.headers.some(([name]) => name === 'content-length')).toBe(false);
    expect(post.body.equals(Buffer.concat(chunks))).toBe(true);
    expect(post.rawBody.subarray(-5).toString('latin1')).toBe('0\r\n\r\n');
  });

  it('delivers a chunked upload to a node:http upstream byte for byte', async () => {
    const up = await httpUpstream((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => res.end(JSON.stringify({ te: req.headers['transfer-encoding'] ?? null, sha: sha256(Buffer.concat(parts)) })));
    });
    const p = await proxyTo(up.port);
    const chunks = tricky();
    const res = await upload(p.httpPort, '/chunked', chunks);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ te: 'chunked', sha: sha256(Buffer.concat(chunks)) });
  });

  it('sends a Content-Length upload with that Content-Length, no Transfer-Encoding, and exactly its bytes', async () => {
    const up = await rawUpstream((req, conn) => conn.socket.write(ok(`${req.method} ${req.target}`)));
    const p = await proxyTo(up.port);
    const chunks = tricky();
    const length = Buffer.concat(chunks).length;
    expect(await upload(p.httpPort, '/sized', chunks, { 'content-length': length })).toMatchObject({ status: 200, body: 'POST /sized' });
    expect((await request(p.httpPort, '/after')).body).toBe('GET /after');

    expect(up.connections).toHaveLength(1);
    const conn = up.connections[0]!;
    expect(conn.error).toBeNull();
    expect(conn.requests.map((r) => r.target)).toEqual(['/sized', '/after']);
    const post = conn.requests[0]!;
    expect(post.headers.filter(([name]) => name === 'content-length').map(([, value]) => value)).toEqual([String(length)]);
    expect(post.headers.some(([name]) => name === 'transfer-encoding')).toBe(false);
    expect(post.rawBody.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('passes a slow-reading upstream\'s backpressure on to the uploading client, and the upload arrives whole', { timeout: 30_000 }, async () => {
    // Far more than the socket buffers between client, proxy and upstream hold on loopback.
    const size = 64 * 1024 * 1024;
    const block = randomBytes(64 * 1024);
    let sent = 0;
    let sentWhileUpstreamPaused = -1;
    const up = await httpUpstream((req, res) => {
      req.pause();
      setTimeout(() => {
        sentWhileUpstreamPaused = sent;
        const hash = createHash('sha256');
        let received = 0;
        let sinceBreak = 0;
        req.on('data', (c: Buffer) => {
          hash.update(c);
          received += c.length;
          sinceBreak += c.length;
          // A slow reader: a short break every 4 MiB.
          if (sinceBreak >= 4 * 1024 * 1024) {
            sinceBreak = 0;
            req.pause();
            setTimeout(() => req.resume(), 10);
          }
        });
        req.on('end', () => res.end(JSON.stringify({ received, sha: hash.digest('hex') })));
        req.resume();
      }, 500);
    });
    const p = await proxyTo(up.port);
    const expected = createHash('sha256');
    const started = Date.now();
    const res = await within(
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: p.httpPort, path: '/big', method: 'POST', agent: false }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        const pump = (): void => {
          while (sent < size) {
            expected.update(block);
            sent += block.length;
            if (!req.write(block)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      }),
      25_000,
      'the upload',
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: size, sha: expected.digest('hex') });
    expect(sentWhileUpstreamPaused).toBeGreaterThan(0);
    expect(sentWhileUpstreamPaused).toBeLessThan(size / 2);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('relays an answer the upstream gives before reading the whole upload, then never reuses that connection', async () => {
    // Answers 413 as soon as a POST's head arrives, then reads (and drops) whatever comes after on that connection
    // without answering it: a request sent there would wait forever.
    const connections: Array<{ firstLine: string; closed: Promise<void> }> = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      let resolveClosed!: () => void;
      const conn = { firstLine: '', closed: new Promise<void>((r) => (resolveClosed = r)) };
      connections.push(conn);
      socket.on('close', () => resolveClosed());
      let head = '';
      let answered = false;
      socket.on('data', (chunk: Buffer) => {
        if (answered) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        answered = true;
        conn.firstLine = head.slice(0, head.indexOf('\r\n'));
        socket.write(conn.firstLine.startsWith('POST') ? 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big\n' : ok('fresh'));
      });
    });
    const p = await proxyTo(await listen(server), { upstreamTimeoutMs: 2_000 });

    const status = await within(
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: p.httpPort, path: '/upload', method: 'POST', agent: false, headers: { 'content-length': 4 * 1024 * 1024 } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', (err) => (req.writableFinished ? undefined : reject(err)));
        req.end(Buffer.alloc(4 * 1024 * 1024, 1));
      }),
      5_000,
      'the early answer',
    );
    expect(status).toEqual({ status: 413, body: 'too big\n' });
    await within(connections[0]!.closed, 2_000, 'the proxy closing the connection whose request it did not finish sending');
    expect(await within(request(p.httpPort, '/next'), 3_000, 'the next request')).toMatchObject({ status: 200, body: 'fresh' });
    expect(connections.map((c) => c.firstLine)).toEqual(['POST /upload HTTP/1.1', 'GET /next HTTP/1.1']);
  });
});

describe('responses are never taken for the answer to another request', () => {
  it('does not relay the trailers of one response as headers of the next response on the same connection', async () => {
    // llhttp hands trailer lines over like header lines: left behind, they would be another client's Set-Cookie.
    const up = await rawUpstream((req, conn) =>
      conn.socket.write(
        conn.requests.length === 1
          ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nSet-Cookie: session=first-client\r\nContent-Type: text/evil\r\n\r\n'
          : ok(`answer to ${req.target}`, 'Content-Type: text/plain\r\n'),
      ),
    );
    const p = await proxyTo(up.port);
    expect((await request(p.httpPort, '/first')).body).toBe('hello');
    const second = await request(p.httpPort, '/second');
    expect(up.connections.map((c) => c.requests.length)).toEqual([2]);
    expect({ cookie: second.headers['set-cookie'], type: second.headers['content-type'], body: second.body }).toEqual({
      cookie: undefined,
      type: 'text/plain',
      body: 'answer to /second',
    });
  });

  it.each([
    ['HEAD', { method: 'HEAD' }, 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', 200],
    ['a 304', { headers: { 'if-none-match': '"v1"' } }, 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1000\r\n\r\n', 304],
  ] as const)('reads no body after %s with Content-Length: 1000, and the next request on the connection gets its own answer', async (_name, options, bodiless, status) => {
    const up = await rawUpstream((req, conn) => conn.socket.write(conn.requests.length === 1 ? bodiless : ok(`answer to ${req.target}`)));
    const p = await proxyTo(up.port);
    const first = await within(request(p.httpPort, '/first', options), 3_000, 'the bodiless answer');
    expect(first.status).toBe(status);
    expect(first.body).toBe('');
    if (status === 200) expect(first.headers['content-length']).toBe('1000');
    expect(await within(request(p.httpPort, '/second'), 3_000, 'the next answer')).toMatchObject({ status: 200, body: 'answer to /second' });
    expect(up.connections.map((c) => c.requests.map((r) => r.target))).toEqual([['/first', '/second']]);
  });

  it.each([
    ['with a body, in the same write', ok('BOGUS'), 0],
    ['without a body, in the same write', 'HTTP/1.1 204 No Content\r\n\r\n', 0],
    ['with a body, later, while the connection is idle', ok('BOGUS'), 50],
    ['without a body, later, while the connection is idle', 'HTTP/1.1 204 No Content\r\n\r\n', 50],
  ])('drops a second response nobody asked for (%s), closes that connection, and answers the next request afresh', async (_name, bogus, delayMs) => {
    let bogusSent!: () => void;
    const bogusWritten = new Promise<void>((r) => (bogusSent = r));
    const up = await rawUpstream((req, conn) => {
      if (conn.id !== 0 || conn.requests.length > 1) return void conn.socket.write(ok(`answer to ${req.target}`));
      if (delayMs === 0) {
        conn.socket.write(ok('A') + bogus);
        return bogusSent();
      }
      conn.socket.write(ok('A'));
      setTimeout(() => {
        conn.socket.write(bogus);
        bogusSent();
      }, delayMs);
    });
    const p = await proxyTo(up.port);
    expect(await request(p.httpPort, '/one')).toMatchObject({ status: 200, body: 'A' });
    await bogusWritten;
    await within(up.connections[0]!.closed, 2_000, 'the proxy closing the connection that said more than it was asked');
    expect(await request(p.httpPort, '/two')).toMatchObject({ status: 200, body: 'answer to /two' });
    expect(up.connections.map((c) => c.requests.map((r) => r.target))).toEqual([['/one'], ['/two']]);
  });

  it('never delivers the late answer to a request that got its 504 as the answer to the next request', async () => {
    // The first connection answers each request 600 ms late (after the proxy's 300 ms timeout); later ones at once.
    const up = await rawUpstream((req, conn) => {
      if (conn.id === 0) setTimeout(() => conn.socket.writable && conn.socket.write(ok(`late answer to ${req.target}`)), 600);
      else conn.socket.write(ok(`answer to ${req.target}`));
    });
    const p = await proxyTo(up.port, { upstreamTimeoutMs: 300 });
    expect((await request(p.httpPort, '/slow')).status).toBe(504);
    // Sent before the late answer is written: on the abandoned connection, that answer would be read as this one's.
    expect(await request(p.httpPort, '/next')).toMatchObject({ status: 200, body: 'answer to /next' });
    await within(up.connections[0]!.closed, 1_000, 'the abandoned connection to close');
    expect(up.connections.map((c) => c.requests.map((r) => r.target))).toEqual([['/slow'], ['/next']]);
  });

  it('closes the upstream connection of a client that left mid-response, and answers the next request on a new one', async () => {
    // Declares 10 MB and sends 1 KB of it: the rest of that response never comes.
    const up = await rawUpstream((req, conn) => {
      if (conn.id === 0) conn.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n${'x'.repeat(1_000)}`);
      else conn.socket.write(ok(`answer to ${req.target}`));
    });
    const p = await proxyTo(up.port);
    await within(
      new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/partial', agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      }),
      3_000,
      'the first bytes of the response',
    );
    await within(up.connections[0]!.closed, 2_000, 'the proxy closing the upstream connection of the client that left');
    expect(await request(p.httpPort, '/next')).toMatchObject({ status: 200, body: 'answer to /next' });
    expect(up.connections.map((c) => c.requests.map((r) => r.target))).toEqual([['/partial'], ['/next']]);
  });
});

describe('relaying', () => {
  it('relays a 20 MB chunked response whole to a client that reads it slowly', { timeout: 30_000 }, async () => {
    const size = 20 * 1024 * 1024;
    const block = randomBytes(16 * 1024);
    const expected = createHash('sha256');
    for (let sent = 0; sent < size; sent += block.length) expected.update(block);
    const up = await httpUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const p = await proxyTo(up.port);
    const got = await within(
      new Promise<{ bytes: number; sha: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/big', agent: false }, (res) => {
          const hash = createHash('sha256');
          let bytes = 0;
          let sinceBreak = 0;
          res.on('data', (c: Buffer) => {
            hash.update(c);
            bytes += c.length;
            sinceBreak += c.length;
            // A slow reader: a break every 512 KiB.
            if (sinceBreak >= 512 * 1024) {
              sinceBreak = 0;
              res.pause();
              setTimeout(() => res.resume(), 15);
            }
          });
          res.on('end', () => resolve({ bytes, sha: hash.digest('hex'), headers: res.headers }));
          res.on('error', reject);
        });
        req.on('error', reject);
      }),
      25_000,
      'the whole response',
    );
    expect(got.headers['transfer-encoding']).toBe('chunked');
    expect(got.bytes).toBe(size);
    expect(got.sha).toBe(expected.digest('hex'));
  });

  it('gives a request without Host (HTTP/1.0) the endpoint address as Host upstream', async () => {
    const up = await httpUpstream((req, res) => res.end(JSON.stringify({ host: req.headers.host ?? null, version: req.httpVersion })));
    const p = await proxyTo(up.port);
    const { text } = await rawExchange(p.httpPort, 'GET /no-host HTTP/1.0\r\n\r\n');
    expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
    // node:http refuses an HTTP/1.1 request without Host with 400: the 200 above is the upstream's answer.
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ host: `127.0.0.1:${up.port}`, version: '1.1' });
  });

  it('relays repeated Set-Cookie as separate lines and every one of 40 response header lines', async () => {
    const cookies = ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'c=3; HttpOnly'];
    const many = Array.from({ length: 40 }, (_, i) => [`X-Many-${i}`, `value-${i}`] as const);
    const head = [...cookies.map((c) => `Set-Cookie: ${c}`), ...many.map(([n, v]) => `${n}: ${v}`)].join('\r\n');
    const up = await rawUpstream((_req, conn) => conn.socket.write(ok('ok', `${head}\r\n`)));
    const p = await proxyTo(up.port);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: p.httpPort, path: '/', agent: false }, (r) => {
        r.resume();
        r.on('end', () => resolve(r));
      });
      req.on('error', reject);
    });
    expect(res.headers['set-cookie']).toEqual(cookies);
    const lines = (name: string) => res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1]!.toLowerCase() === name);
    expect(lines('set-cookie')).toEqual(cookies);
    for (const [name, value] of many) expect(lines(name.toLowerCase())).toEqual([value]);
  });
});

import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateAuthority, type TestAuthority, type TestCertificate } from '@portico/testing';
import type { ProxyHandle, ProxyOptions } from '../src/index.js';
import { startTestProxy } from './support/test-proxy.js';
import { certificate, cluster, endpoint, route, table, terminate, vhost } from './support/tables.js';
import { waitFor } from './support/wait.js';

// HTTP/2 clients (TLS listener, ALPN h2) in front of an HTTP/1.1 upstream the proxy reaches with its own client:
// what an HTTP/2 client does (resets, slow reading, odd paths) or cannot be given (some response heads).

let ca: TestAuthority;
let cert: TestCertificate;
let proxy: ProxyHandle | undefined;
const upstreams: RawUpstream[] = [];
const clients: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  ca = await certificateAuthority();
  cert = await ca.issue(['a.example.com']);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  // Bounded: a proxy left with a request that never ends (a failing test) must not also time the hook out.
  if (proxy) await Promise.race([proxy.close(), new Promise((r) => setTimeout(r, 3_000))]);
  proxy = undefined;
  for (const upstream of upstreams.splice(0)) await upstream.close();
});

/** One connection the upstream accepted: every byte it read (latin1), and whether / when it closed. */
interface UpstreamConnection {
  socket: net.Socket;
  data: string;
  /** Requests answered so far (answerByPath). */
  answered: number;
  closedAt: number | null;
}

interface RawUpstream {
  port: number;
  connections: UpstreamConnection[];
  close(): Promise<void>;
}

/** A TCP upstream on 127.0.0.1 that records what it reads; `onData` answers (or not) on the raw socket. */
async function rawUpstream(onData: (conn: UpstreamConnection) => void = () => {}): Promise<RawUpstream> {
  const connections: UpstreamConnection[] = [];
  const server = net.createServer((socket) => {
    const conn: UpstreamConnection = { socket, data: '', answered: 0, closedAt: null };
    connections.push(conn);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      conn.data += chunk.toString('latin1');
      onData(conn);
    });
    socket.on('close', () => (conn.closedAt = Date.now()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const upstream: RawUpstream = {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () => {
      for (const c of connections) c.socket.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
  upstreams.push(upstream);
  return upstream;
}

/** A proxy terminating TLS for a.example.com (so HTTP/2 with ALPN h2), every path to the one upstream. */
async function proxyTo(upstream: RawUpstream, extra: ProxyOptions = {}): Promise<ProxyHandle> {
  const t = table(1, [vhost('a.example.com', [route('r', '/', 'Prefix', 'c')], terminate('default/a', 'allow'))], [cluster('c', [endpoint(upstream.port)])]);
  t.certificates = [certificate('default/a', cert, ['a.example.com'])];
  proxy = await startTestProxy({ initialTable: t, ...extra });
  return proxy;
}

function h2connect(p: ProxyHandle): http2.ClientHttp2Session {
  const client = http2.connect(`https://a.example.com:${p.httpsPort}`, {
    createConnection: () => tls.connect({ host: '127.0.0.1', port: p.httpsPort, servername: 'a.example.com', ca: ca.certPem, ALPNProtocols: ['h2'] }),
  });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

interface H2Result {
  status: number | undefined;
  body: string;
  /** The request got no answer in time: the stream is closed and the result says so (a bounded wait). */
  timedOut: boolean;
}

/** One request, its whole answer; bounded, so a proxy that never answers fails the test instead of hanging it. */
function h2get(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, timeoutMs = 3_000): Promise<H2Result> {
  return new Promise((resolve) => {
    const stream = client.request({ ':method': 'GET', ...headers });
    let status: number | undefined;
    let body = '';
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      resolve({ status, body, timedOut: true });
    }, timeoutMs);
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('latin1');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('error', () => {});
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ status, body, timedOut: false });
    });
    stream.end();
  });
}

/** The request lines a connection read (bodiless requests: each head ends at a blank line). */
function requestLines(conn: UpstreamConnection): string[] {
  return conn.data.split('\r\n\r\n').slice(0, -1).map((head) => head.slice(0, head.indexOf('\r\n')));
}

/** Answers each new bodiless request on `conn` by its path: `answers[path]`, or a 200 `ok`. */
function answerByPath(conn: UpstreamConnection, answers: Record<string, string>): void {
  const lines = requestLines(conn);
  for (; conn.answered < lines.length; conn.answered++) {
    const target = lines[conn.answered]!.split(' ')[1]!;
    conn.socket.write(answers[target] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  }
}

describe('HTTP/2 clients of an HTTP/1.1 upstream', () => {
  // Http2ServerResponse.writeHead throws for either head. Before 90ff6ec the throw escaped the upstream parser's read
  // callback as an uncaught exception (ending a real proxy process; in vitest the request hangs, and the exception
  // is in `uncaught` below, so the test fails visibly without the worker dying).
  it.each([
    ['a repeated Date', '/two-dates', 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nDate: Tue, 02 Jan 2024 00:00:00 GMT\r\nContent-Length: 2\r\n\r\nok'],
    ['a status of 600', '/status-600', 'HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok'],
  ])('answers 502 for an upstream head HTTP/2 cannot carry (%s), and keeps serving', async (_what, path, head) => {
    const upstream = await rawUpstream((conn) => answerByPath(conn, { [path]: head }));
    const p = await proxyTo(upstream);
    const uncaught: string[] = [];
    const onUncaught = (err: Error): void => void uncaught.push(err.stack ?? String(err));
    process.on('uncaughtException', onUncaught);
    try {
      const client = h2connect(p);
      const bad = await h2get(client, { ':path': path });
      expect({ status: bad.status, timedOut: bad.timedOut, uncaught }).toEqual({ status: 502, timedOut: false, uncaught: [] });
      // The proxy still serves, on the same HTTP/2 connection and on a new one.
      expect((await h2get(client, { ':path': '/fine' })).status).toBe(200);
      expect((await h2get(h2connect(p), { ':path': '/fine' })).status).toBe(200);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('closes the upstream connection promptly when an HTTP/2 client resets its stream before the upstream answers', async () => {
    const upstream = await rawUpstream(); // reads the request, never answers
    const p = await proxyTo(upstream, { upstreamTimeoutMs: 5_000 });
    const client = h2connect(p);
    const stream = client.request({ ':method': 'GET', ':path': '/slow' });
    stream.on('error', () => {});
    stream.end();
    await waitFor(() => upstream.connections[0]?.data.includes('\r\n\r\n') ?? false, 3_000, 'the request upstream');
    const resetAt = Date.now();
    stream.close(http2.constants.NGHTTP2_CANCEL);
    const conn = upstream.connections[0]!;
    // Bounded at 2 s: before the fix the connection stayed open until the upstream timeout (5 s).
    await waitFor(() => conn.closedAt !== null, 2_000, 'the upstream connection to close').catch(() => {});
    expect(conn.closedAt, 'upstream connection still open 2 s after the client reset').not.toBeNull();
    expect(conn.closedAt! - resetAt).toBeLessThan(1_000);
  });

  it('does not complete a chunked upload upstream when the HTTP/2 client resets its stream mid-upload', async () => {
    const upstream = await rawUpstream(); // reads the upload, never answers
    const p = await proxyTo(upstream, { upstreamTimeoutMs: 5_000 });
    const client = h2connect(p);
    // No content-length: the proxy sends the upload chunked, so only a final 0-size chunk says it is complete.
    const stream = client.request({ ':method': 'POST', ':path': '/upload' });
    stream.on('error', () => {});
    stream.write('partial');
    await waitFor(() => upstream.connections[0]?.data.includes('partial') ?? false, 3_000, 'the first chunk upstream');
    const conn = upstream.connections[0]!;
    expect(conn.data).toMatch(/transfer-encoding: chunked/i);
    // A bare RST_STREAM, as a browser cancelling an upload sends. (Node's stream.close() ends the stream first, and a
    // body ended by END_STREAM is complete in HTTP/2 whatever follows: the upstream rightly gets the last chunk then.)
    stream.destroy();
    const body = (): string => conn.data.slice(conn.data.indexOf('\r\n\r\n') + 4);
    // Either outcome settles it: the upstream is told the upload is whole (the last chunk), or its connection closes.
    await waitFor(() => conn.closedAt !== null || body().includes('0\r\n\r\n'), 2_000, 'the upload to end upstream').catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(body()).toBe('7\r\npartial\r\n');
    expect(conn.closedAt, 'the upstream connection closed').not.toBeNull();
  });

  it('relays a response of many tiny chunks to an HTTP/2 client that is not reading, without piling up drain listeners', async () => {
    const CHUNKS = 200_000;
    const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\nx\r\n'.repeat(CHUNKS)}0\r\n\r\n`;
    const upstream = await rawUpstream((conn) => {
      if (conn.data.includes('\r\n\r\n') && conn.socket.bytesWritten === 0) conn.socket.write(chunked);
    });
    const p = await proxyTo(upstream);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const client = h2connect(p);
      const stream = client.request({ ':method': 'GET', ':path': '/tiny-chunks' });
      stream.on('error', () => {});
      stream.pause(); // not reading: flow control stops the proxy's writes, res.write refuses
      stream.end();
      let status: number | undefined;
      stream.on('response', (h) => (status = Number(h[':status'])));
      await waitFor(() => status !== undefined, 3_000, 'the response head');
      // The proxy reads the upstream's bytes meanwhile (a few reads of many chunks), its writes refused once the
      // client's flow-control window and the response's buffer are full.
      await new Promise((r) => setTimeout(r, 500));
      let received = 0;
      const done = new Promise<void>((resolve) => stream.on('close', resolve));
      stream.on('data', (chunk: Buffer) => (received += chunk.length));
      stream.resume();
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
      expect(status).toBe(200);
      expect(received).toBe(CHUNKS);
      // Warnings come on the next tick of their emitWarning.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('passes a path with non-ASCII bytes (as node:http would) and relays the answer', async () => {
    const upstream = await rawUpstream((conn) => answerByPath(conn, {}));
    const p = await proxyTo(upstream);
    // The HTTP/2 client sends the path's bytes as latin1 (é is 0xE9), and the proxy reads them so.
    const got = await h2get(h2connect(p), { ':path': '/caf\u00e9' });
    expect(got.status).toBe(200);
    expect(got.body).toBe('ok');
    expect(upstream.connections.flatMap(requestLines)).toEqual(['GET /caf\u00e9 HTTP/1.1']);
  });
});

import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';

/**
 * Upstream responses are parsed by the proxy's own client (Node's llhttp in response mode), not by node:http's. The proxy
 * must be exactly as strict as Node's own llhttp: differential tests send the same bytes to Node's http client and
 * through the proxy, and whatever Node refuses must never reach a client as a well-formed response.
 */

/** A TCP upstream that answers every request with `respond()`'s bytes and then closes the connection. */
let upstream: net.Server;
let upstreamPort: number;
let respond: () => string = () => '';
let proxy: ProxyHandle;

beforeAll(async () => {
  upstream = net.createServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      socket.end(respond(), 'latin1');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  proxy = await startTestProxy({ initialTable: catchAll(1, 'raw', [endpoint(upstreamPort)]), upstreamTimeoutMs: 2_000 });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

type Outcome = { kind: 'response'; status: number; body: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] } | { kind: 'error'; code: string };

/**
 * One GET with Node's http client (no agent): the first response, once parsed completely, or the error that ended
 * it. Bytes after a complete response make Node's client fail too, but they are not part of that response: a proxy
 * that relays the complete response and drops the connection is right, so they do not count as refusing it.
 */
function get(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let response: http.IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    const parsed = (): Outcome => ({
      kind: 'response',
      status: response!.statusCode ?? 0,
      body: Buffer.concat(chunks).toString('latin1'),
      headers: response!.headers,
      rawHeaders: response!.rawHeaders,
    });
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: 'raw.test' } }, (res) => {
      response = res;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(parsed()));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(res.complete ? parsed() : { kind: 'error', code: err.code ?? err.message }));
    });
    // Node reports the bytes after a complete response before it emits that response's body and end: wait for them.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!response?.complete) resolve({ kind: 'error', code: err.code ?? err.message });
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
  });
}

/** Node's verdict on `bytes` as an upstream response, and what a client of the proxy gets for the same bytes. */
async function compare(bytes: string): Promise<{ node: Outcome; proxied: Outcome }> {
  respond = () => bytes;
  const node = await get(upstreamPort);
  const proxied = await get(proxy.httpPort);
  return { node, proxied };
}

/** What Node refuses reaches the proxy's client as a 502 or a cut connection, never as the upstream's answer. */
function expectRefusedToo(bytes: string, proxied: Outcome): void {
  if (proxied.kind === 'error') return;
  expect({ bytes, status: proxied.status }).toEqual({ bytes, status: 502 });
}

/**
 * Single-value headers: the proxy sends each once, with the value Node reads from the upstream (the first), never a
 * repetition for its client to choose from. Counted on the raw lines, since a client's parser would hide a repeat.
 */
const SINGLE_VALUE = ['content-type', 'location', 'etag'] as const;
const sentLines = (rawHeaders: string[]) => Object.fromEntries(SINGLE_VALUE.map((name) => [name, rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name)]));
const readValues = (headers: http.IncomingHttpHeaders) => Object.fromEntries(SINGLE_VALUE.map((name) => [name, headers[name] === undefined ? [] : [headers[name]]]));

/** What Node accepts is relayed with the same status, body and single-value headers. */
function expectRelayed(bytes: string, node: Outcome & { kind: 'response' }, proxied: Outcome): void {
  const seen = proxied.kind === 'response' ? { status: proxied.status, body: proxied.body, headers: sentLines(proxied.rawHeaders) } : proxied;
  expect({ bytes, proxied: seen }).toEqual({ bytes, proxied: { status: node.status, body: node.body, headers: readValues(node.headers) } });
}

const OK_HEAD = 'HTTP/1.1 200 OK\r\n';

/** Responses a lenient parser would accept and llhttp refuses: framing ambiguities first (response smuggling). */
const HOSTILE: Record<string, string> = {
  'Content-Length with Transfer-Encoding': `${OK_HEAD}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  'two different Content-Length': `${OK_HEAD}Content-Length: 3\r\nContent-Length: 5\r\n\r\nhello`,
  'two equal Content-Length': `${OK_HEAD}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
  'Content-Length with a sign': `${OK_HEAD}Content-Length: +5\r\n\r\nhello`,
  'Content-Length in hex': `${OK_HEAD}Content-Length: 0x5\r\n\r\nhello`,
  'space before the colon': `${OK_HEAD}Content-Length : 5\r\n\r\nhello`,
  'bad chunk size': `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  'chunk without its CRLF': `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`,
  'NUL in a header value': `${OK_HEAD}X-Evil: a\u0000b\r\nContent-Length: 5\r\n\r\nhello`,
  'bad character in a header name': `${OK_HEAD}X(Evil): a\r\nContent-Length: 5\r\n\r\nhello`,
  'obsolete line folding': `${OK_HEAD}X-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nhello`,
  'bare LF line ends': 'HTTP/1.1 200 OK\nContent-Length: 5\n\nhello',
  'bare CR in a header': `${OK_HEAD}X-Evil: a\rb\r\nContent-Length: 5\r\n\r\nhello`,
  'not HTTP': 'SSH-2.0-OpenSSH_9.6\r\n\r\n',
  'unknown version': 'HTTP/3.0 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'three-digit status missing': 'HTTP/1.1 20 OK\r\nContent-Length: 5\r\n\r\nhello',
  'body shorter than Content-Length': `${OK_HEAD}Content-Length: 50\r\n\r\nhello`,
  // undici's own llhttp build, which the proxy once used, accepted these three.
  'empty Transfer-Encoding': `${OK_HEAD}Transfer-Encoding: \r\n\r\nhello`,
  'empty Transfer-Encoding before chunked': `${OK_HEAD}Transfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  'empty Transfer-Encoding after chunked': `${OK_HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: \r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  'chunked body cut before the last chunk': `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
};

describe('upstream responses Node refuses', () => {
  it.each(Object.entries(HOSTILE))('%s: Node refuses it, and the proxy never relays it', async (_name, bytes) => {
    const { node, proxied } = await compare(bytes);
    expect(node.kind).toBe('error');
    expectRefusedToo(bytes, proxied);
    // The proxy keeps serving after each one.
    respond = () => `${OK_HEAD}Content-Length: 2\r\n\r\nok`;
    expect(await get(proxy.httpPort)).toMatchObject({ kind: 'response', status: 200, body: 'ok' });
  });

  it('relays the well-formed counterparts (control)', async () => {
    for (const bytes of [
      `${OK_HEAD}Content-Length: 5\r\n\r\nhello`,
      `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      `${OK_HEAD}X-Spaced:    padded   \r\nContent-Length: 5\r\n\r\nhello`,
      `${OK_HEAD}\r\nuntil-close`,
      // Repeated single-value headers: the client sees the first, as Node reads it, not both to choose from.
      `${OK_HEAD}Content-Type: text/plain\r\nLocation: /here\r\nContent-Type: text/html\r\nLocation: https://elsewhere.example/\r\nContent-Length: 5\r\n\r\nhello`,
      // The last coding is not chunked: the body runs to the end of the connection (RFC 9112 §6.3).
      `${OK_HEAD}Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    ]) {
      const { node, proxied } = await compare(bytes);
      expect({ bytes, node: node.kind }).toEqual({ bytes, node: 'response' });
      expectRelayed(bytes, node as Outcome & { kind: 'response' }, proxied);
    }
  });
});

/** Pieces of a response, valid and not, for the property below to put together. */
const statusLine = fc.constantFrom('HTTP/1.1 200 OK', 'HTTP/1.0 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 ', 'HTTP/1.1 200', 'http/1.1 200 OK', 'HTTP/1.1  200 OK', 'HTTP/1.1 999 X', 'HTTP/1.1 500 Oops');
const headerLine = fc.oneof(
  fc.constantFrom(
    'Content-Length: 5',
    'Content-Length: 3',
    'Content-Length: 0',
    'Content-Length: 05',
    'Content-Length: -1',
    'Content-Length: 5, 5',
    'Content-Length:5',
    'Content-Length: 5 ',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: identity',
    'Transfer-Encoding: gzip, chunked',
    'Transfer-Encoding: chunked, chunked',
    'Transfer-Encoding:  chunked',
    'Transfer-Encoding:',
    'Connection: close',
    'Connection: keep-alive',
    'Content-Type: text/plain',
    'Content-Type: text/html',
    'Location: /a',
    'Location: /b',
    'X-A: b',
    'X-Empty:',
    ' X-Leading: space',
    'X-Tab:\tvalue',
  ),
  fc.tuple(fc.constantFrom('X-Fuzz', 'Content-Length', 'Transfer-Encoding', 'X Bad', 'X-Ü'), fc.string({ maxLength: 6 })).map(([name, value]) => `${name}: ${value}`),
);
const lineEnd = fc.oneof({ weight: 12, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r') });
const body = fc.constantFrom('', 'hello', '5\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n', '5;ext=1\r\nhello\r\n0\r\n\r\n', 'ffffffffffffffffff\r\nx\r\n', '0\r\n\r\n', '3\r\nhel\r\n0\r\nX-Trailer: t\r\n\r\n');

const response = fc
  .tuple(statusLine, fc.array(fc.tuple(headerLine, lineEnd), { maxLength: 5 }), lineEnd, lineEnd, body)
  .map(([status, headers, afterStatus, blank, payload]) => `${status}${afterStatus}${headers.map(([h, end]) => h + end).join('')}${blank}${payload}`);

describe('upstream responses, fuzzed', () => {
  it('the proxy relays exactly what Node accepts (same status and body) and never relays what Node refuses', { timeout: 120_000 }, async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(response, async (bytes) => {
        const { node, proxied } = await compare(bytes);
        if (node.kind === 'response') {
          accepted++;
          expectRelayed(bytes, node, proxied);
        } else {
          refused++;
          expectRefusedToo(bytes, proxied);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
    // Both sides of the comparison were exercised, not one only.
    expect(accepted).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(30);
  });
});

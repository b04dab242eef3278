import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { stripHopByHop } from '../src/routing/forwarded-headers.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';

/**
 * Client requests are parsed by the proxy's HTTP/1.1 server, which must be exactly as strict as node:http's: a
 * request one parser accepts and the other refuses is a request-smuggling gap. Differential tests send the same
 * bytes to a plain node:http server with the listener's limits and to the proxy, and compare what each accepted
 * (the reference's handler against the proxy's upstream) and what the client was answered.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a server got: request heads as parsed, and the requests it read whole (only those are answered). */
interface Log {
  heads: string[];
  complete: Seen[];
  /** Requests read whole whose answer is not written yet. */
  unanswered: Set<http.IncomingMessage>;
}
const newLog = (): Log => ({ heads: [], complete: [], unanswered: new Set() });

/** Absolute-form is forwarded in origin-form, its authority only choosing the route (RFC 9112 §3.2.2). */
function originForm(url: string): string {
  const path = url.replace(/^https?:\/\/[^/?#]*/i, '');
  return path === '' ? '/' : path.startsWith('?') ? `/${path}` : path;
}

/**
 * Answers 200 to each request once it has been read whole. A request cut off or refused mid-body is not complete,
 * on either side; a head that got through at all is in `heads`, so a refused one reaching the upstream is caught.
 */
function recordingServer(options: http.ServerOptions, log: () => Log): http.Server {
  return http.createServer(options, (req, res) => {
    const into = log();
    into.heads.push(`${req.method} ${originForm(req.url ?? '')}`);
    let body = '';
    // Set before any event can fire for this request: complete means the parser has the whole message.
    into.unanswered.add(req);
    req.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
    req.on('end', () => {
      into.complete.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-length': 2 }).end('ok', () => into.unanswered.delete(req));
    });
    req.on('error', () => into.unanswered.delete(req));
    req.on('close', () => req.complete || into.unanswered.delete(req));
  });
}

// The listener's own defaults, not copies of its numbers, so the reference follows them if they change.
const LIMITS = resolveOptions({}).limits;
let refLog = newLog();
let upLog = newLog();
let reference: http.Server;
let upstream: http.Server;
let proxy: ProxyHandle;
/** The reference's side of the connection under test: how much it read and wrote tells when it is done. */
let refSocket: net.Socket | undefined;

const listen = (server: net.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));

beforeAll(async () => {
  reference = recordingServer({ insecureHTTPParser: false, maxHeaderSize: LIMITS.maxHeaderSize }, () => refLog);
  reference.maxHeadersCount = LIMITS.maxHeadersCount;
  reference.on('connection', (socket: net.Socket) => (refSocket = socket));
  await listen(reference);
  // Room for the X-Forwarded-* headers the proxy adds to a request just under the client-side limit.
  upstream = recordingServer({ maxHeaderSize: 4 * LIMITS.maxHeaderSize }, () => upLog);
  proxy = await startTestProxy({ initialTable: catchAll(1, 'fuzz', [endpoint(await listen(upstream))]), upstreamTimeoutMs: 2_000 });
});

afterAll(async () => {
  await proxy?.close();
  for (const server of [reference, upstream]) {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
});

interface Answer {
  /** Every status line the client got, interim 100s included, in order. */
  statuses: number[];
  closed: boolean;
}

const statusesOf = (text: string) => [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
const finalCount = (statuses: number[]) => statuses.filter((s) => s >= 200).length;

/**
 * Writes `bytes` in one go on a fresh connection and reads until `done` says the exchange is over, the server
 * closes, or the time bound passes; the socket is destroyed in every case. The client never half-closes: node:http
 * aborts in-flight requests on a client FIN, which would make what reaches the upstream a race.
 */
function exchange(port: number, bytes: Buffer, done: (text: string) => boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      clearInterval(poll);
      socket.destroy();
      resolve({ statuses: statusesOf(Buffer.concat(chunks).toString('latin1')), closed });
    };
    const bound = setTimeout(() => finish(false), 1_000);
    const poll = setInterval(() => done(Buffer.concat(chunks).toString('latin1')) && finish(false), 2);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(bytes);
  });
}

/** The reference is done when it has read every byte, answered every request it read whole, and the client has it all. */
function referenceDone(total: number): (text: string) => boolean {
  return (text) => {
    if (!refSocket || refSocket.bytesRead < total) return false;
    // A reference closing the connection is done when the client sees it closed: whether it did is part of the answer.
    if (refSocket.destroyed || refSocket.writableEnded) return false;
    if ([...refLog.unanswered].some((req) => req.complete && !req.destroyed)) return false;
    return Buffer.byteLength(text, 'latin1') >= refSocket.bytesWritten;
  };
}

/** What an upstream must get for a request the reference accepted: its end-to-end headers, as the proxy forwards them. */
function forwardable(seen: Seen): Seen {
  const headers = stripHopByHop(seen.headers) as http.IncomingHttpHeaders;
  // The proxy answers Expect itself, as node:http does, and writes X-Forwarded-* and the client-certificate header.
  delete headers.expect;
  // Framing is the proxy's to choose (a chunked body may go upstream with a length): the body is compared instead.
  delete headers['content-length'];
  for (const name of Object.keys(headers)) if (/^x-forwarded-|^x-client-cert-subject$/.test(name)) delete headers[name];
  return { ...seen, url: originForm(seen.url), headers };
}

// Long runs of one character (the 16 KiB header) are counted rather than printed in full in a failure.
const compact = (text: string) => text.replace(/(.)\1{31,}/gs, (run, c: string) => `${c}{×${run.length}}`);
/**
 * Requests as comparable strings, sorted: pipelined requests may be forwarded over different upstream connections.
 * Fields with different names may come in any order (RFC 9110 §5.3), and whitespace around a value is not part of it
 * (§5.5): node:http joining `Accept: a` and an empty `Accept:` gives `a, `, which no parser can receive as sent.
 */
const trim = (value: unknown) => (typeof value === 'string' ? value.trim() : Array.isArray(value) ? value.map((v: string) => v.trim()) : value);
const canonical = (list: Seen[]) =>
  list.map((r) => compact(JSON.stringify({ ...r, headers: Object.fromEntries(Object.entries(r.headers).sort().map(([n, v]) => [n, trim(v)])) }))).sort();

interface Verdict {
  reference: Answer & { accepted: Seen[]; heads: string[] };
  proxy: Answer & { forwarded: Seen[]; heads: string[] };
}

async function compare(text: string): Promise<Verdict> {
  const bytes = Buffer.from(text, 'latin1');
  refLog = newLog();
  upLog = newLog();
  refSocket = undefined;
  const ref = await exchange((reference.address() as net.AddressInfo).port, bytes, referenceDone(bytes.length));
  const accepted = refLog.complete.map(forwardable);
  // The proxy is done once it has given as many final answers as the reference did, and has closed if that did.
  const finals = finalCount(ref.statuses);
  const started = Date.now();
  // The wait also leaves the proxy time to answer or forward more than the reference did, which would be caught.
  const proxied = await exchange(proxy.httpPort, bytes, (t) => !ref.closed && finalCount(statusesOf(t)) >= finals && upLog.unanswered.size === 0 && Date.now() - started > 30);
  // Time for a request the proxy should not have forwarded to reach the upstream anyway, if it is on its way.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const names = new Set(accepted.flatMap((r) => Object.keys(r.headers)));
  // Without a Host from the client (HTTP/1.0), the proxy's HTTP client names the upstream itself.
  const ownHost = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
  const forwarded = upLog.complete.map((r) => ({
    ...r,
    headers: Object.fromEntries(Object.entries(r.headers).filter(([n, value]) => names.has(n) && !(n === 'host' && value === ownHost))),
  }));
  return { reference: { ...ref, accepted, heads: refLog.heads }, proxy: { ...proxied, forwarded, heads: upLog.heads } };
}

/** The statuses node:http answers a malformed request with. */
const REFUSALS = new Set([400, 408, 413, 431]);
const withoutRefusal = (statuses: number[]) => (REFUSALS.has(statuses.at(-1) ?? 0) ? statuses.slice(0, -1) : statuses);

/**
 * Statuses are node:http's, except on a connection it refuses part of (`cutShort`). There, what node:http sends
 * before closing depends on when its own writes are flushed: a response finished within the same tick still holds
 * the connection, so a queued answer (a 400 for a missing Host) or the refusal status may or may not go out. The
 * proxy answers requests one at a time and closes without a refusal status while one is being answered (a status
 * then would read as that request's answer). So there the proxy must close, send at most the answers node:http sent
 * before its refusal, in order, and, if it sends a refusal status, the same one.
 */
function expectStatuses(text: string, v: Verdict, cutShort: boolean): void {
  const ref = v.reference.statuses;
  const proxied = v.proxy.statuses;
  if (!cutShort) {
    expect({ text, statuses: proxied }).toEqual({ text, statuses: ref });
    return;
  }
  const answers = withoutRefusal(proxied);
  expect({ text, answers, closed: v.proxy.closed }).toEqual({ text, answers: withoutRefusal(ref).slice(0, answers.length), closed: true });
  if (answers.length < proxied.length && REFUSALS.has(ref.at(-1) ?? 0)) expect({ text, refusal: proxied.at(-1) }).toEqual({ text, refusal: ref.at(-1) });
}

/** Every item of `some` is in `all`, as many times at least (multisets). */
function expectWithin(text: string, what: string, some: string[], all: string[]): void {
  const left = [...all];
  for (const item of some) {
    const i = left.indexOf(item);
    expect({ text, [what]: item, alsoByReference: i >= 0 }).toEqual({ text, [what]: item, alsoByReference: true });
    left.splice(i, 1);
  }
}

/**
 * The proxy forwards exactly what the reference accepted and answers the client as it did. When the reference
 * refused part of a connection and closed it, the requests it accepted before on that connection may or may not
 * reach the upstream (the proxy cancels what its client is no longer there for, racing the upstream's write), but
 * nothing else may; likewise a head whose body never completed.
 */
function expectSame(bytes: string, v: Verdict): void {
  const text = compact(bytes);
  const last = v.reference.statuses.at(-1) ?? 0;
  const cutShort = v.reference.closed && !(last >= 200 && last < 400);
  if (cutShort) expectWithin(text, 'forwarded', canonical(v.proxy.forwarded), canonical(v.reference.accepted));
  else expect({ text, forwarded: canonical(v.proxy.forwarded) }).toEqual({ text, forwarded: canonical(v.reference.accepted) });
  expectStatuses(text, v, cutShort);
  // A connection node:http gives up on must not stay open for more requests to be parsed.
  if (v.reference.closed) expect({ text, closed: v.proxy.closed }).toEqual({ text, closed: true });
  expectWithin(text, 'head', v.proxy.heads, v.reference.heads);
}

const get = (head: string, end = '\r\n') => `GET ${head}${end}Host: h.test${end}${end}`;
const post = (headers: string, body: string) => `POST /p HTTP/1.1\r\nHost: h.test\r\n${headers}\r\n${body}`;
const CHUNKED = 'Transfer-Encoding: chunked\r\n';

/** Named cases: the bytes, how many requests node:http accepts from them (0: refused), and what it answers if told. */
const CASES: [name: string, bytes: string, accepted: number, statuses?: number[]][] = [
  ['Content-Length with Transfer-Encoding', post(`Content-Length: 5\r\n${CHUNKED}`, '5\r\nhello\r\n0\r\n\r\n'), 0],
  ['  Transfer-Encoding alone', post(CHUNKED, '5\r\nhello\r\n0\r\n\r\n'), 1],
  ['two different Content-Length', post('Content-Length: 3\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['two equal Content-Length', post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['  one Content-Length', post('Content-Length: 5\r\n', 'hello'), 1],
  ['Content-Length with a sign', post('Content-Length: +5\r\n', 'hello'), 0],
  ['Content-Length in hex', post('Content-Length: 0x5\r\n', 'hello'), 0],
  ['Content-Length with an inner space', post('Content-Length: 5 5\r\n', 'hello'), 0],
  ['  Content-Length with surrounding spaces', post('Content-Length:  5  \r\n', 'hello'), 1],
  ['bad chunk size', post(CHUNKED, 'zz\r\nhello\r\n0\r\n\r\n'), 0],
  ['chunk size overflowing', post(CHUNKED, 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n'), 0],
  ['chunk without its CRLF', post(CHUNKED, '5\r\nhelloXX0\r\n\r\n'), 0],
  ['  chunk extensions', post(CHUNKED, '5;name=value;quoted="a b"\r\nhello\r\n0;x\r\n\r\n'), 1],
  ['chunk extension with a bad character', post(CHUNKED, '5;a\u0001=v\r\nhello\r\n0\r\n\r\n'), 0],
  ['  chunk extension without a name', post(CHUNKED, '5;=v\r\nhello\r\n0\r\n\r\n'), 1],
  ['chunked body without the final CRLF', post(CHUNKED, '5\r\nhello\r\n0\r\n'), 0],
  ['  chunked body with trailers', post(CHUNKED, '5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n'), 1],
  // Trailer lines arrive from llhttp as header lines do; once they leaked into the next request's target.
  ['  chunked body with trailers, then another request', post(CHUNKED, '0\r\nX-Trailer: t\r\n\r\n') + get('/next HTTP/1.1'), 2],
  ['chunked not the last coding', post('Transfer-Encoding: chunked, gzip\r\n', '5\r\nhello\r\n0\r\n\r\n'), 0],
  ['  chunked the last coding', post('Transfer-Encoding: gzip, chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), 1],
  ['Transfer-Encoding without chunked', post('Transfer-Encoding: gzip\r\n', 'hello'), 0],
  ['space before the colon', post('Content-Length : 5\r\n', 'hello'), 0],
  ['obsolete line folding', post('X-Folded: a\r\n b\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['bare LF line ends', 'POST /p HTTP/1.1\nHost: h.test\nContent-Length: 5\n\nhello', 0],
  ['  CRLF line ends', 'POST /p HTTP/1.1\r\nHost: h.test\r\nContent-Length: 5\r\n\r\nhello', 1],
  ['bare CR in a header value', post('X-Evil: a\rb\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['bare CR ending a line', 'GET / HTTP/1.1\rHost: h.test\r\n\r\n', 0],
  ['NUL in a header value', post('X-Evil: a\u0000b\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['  tab and obs-text in a header value', post('X-Fine: a\tb\u00e9c\r\nContent-Length: 5\r\n', 'hello'), 1],
  ['bad character in a header name', post('X(Evil): a\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['non-ASCII header name', post('X-\u00dc: a\r\nContent-Length: 5\r\n', 'hello'), 0],
  ['  every tchar in a header name', post("X-!#$%&'*+.^_`|~09az: a\r\nContent-Length: 5\r\n", 'hello'), 1],
  ['invalid method', get('/ HTTP/1.1').replace('GET', 'G@T'), 0],
  ['lower-case method', get('/ HTTP/1.1').replace('GET', 'get'), 0],
  ['  other methods', ['PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'].map((m) => get('/ HTTP/1.1').replace('GET', m)).join(''), 5],
  ['  absolute-form target', get('http://h.test/abs?q=1 HTTP/1.1'), 1],
  ['space in the target', get('/a b HTTP/1.1'), 0],
  ['control character in the target', get('/a\u0001b HTTP/1.1'), 0],
  ['tab in the target', get('/a\tb HTTP/1.1'), 0],
  ['unknown version', get('/ HTTP/1.2'), 0],
  ['HTTP/1.0 without keep-alive, then data', `${get('/ten HTTP/1.0')}${get('/after HTTP/1.0')}`, 1],
  ['  HTTP/1.0 without keep-alive', get('/ten HTTP/1.0'), 1],
  ['  HTTP/1.0 with keep-alive', `GET /ten HTTP/1.0\r\nHost: h.test\r\nConnection: keep-alive\r\n\r\n${get('/after HTTP/1.0')}`, 2],
  ['  HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', 1],
  // llhttp takes these versions for HTTP/1.x messages; a request line saying HTTP/2.0 once took the proxy down.
  ['  an HTTP/2.0 request line', get('/two HTTP/2.0'), 1],
  ['  an HTTP/0.9 request line', get('/nine HTTP/0.9'), 1],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 0, [400]],
  ['  two Host headers (node keeps the first)', 'GET / HTTP/1.1\r\nHost: h.test\r\nHost: other.test\r\n\r\n', 1],
  ['  two pipelined requests with bodies', post('Content-Length: 1\r\n', 'a') + post(CHUNKED, '1\r\nb\r\n0\r\n\r\n'), 2],
  ['  three pipelined requests', post('Content-Length: 1\r\n', 'a') + get('/two HTTP/1.1') + post('Content-Length: 3\r\n', 'ccc'), 3],
  ['pipelined: refused second, third not forwarded', post('Content-Length: 1\r\n', 'a') + post('Content-Length: +1\r\n', 'b') + get('/three HTTP/1.1'), 1],
  ['pipelined: refused first, second not forwarded', post('Content-Length: 1\r\nContent-Length: 2\r\n', 'ab') + get('/two HTTP/1.1'), 0],
  ['headers over 16 KiB', post(`X-Big: ${'a'.repeat(LIMITS.maxHeaderSize)}\r\nContent-Length: 5\r\n`, 'hello'), 0, [431]],
  ['  headers just under 16 KiB', post(`X-Big: ${'a'.repeat(LIMITS.maxHeaderSize - 100)}\r\nContent-Length: 5\r\n`, 'hello'), 1],
  ['  as many headers as maxHeadersCount', post(`${Array.from({ length: LIMITS.maxHeadersCount - 2 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}Content-Length: 5\r\n`, 'hello'), 1],
  ['more headers than maxHeadersCount', post(`${Array.from({ length: LIMITS.maxHeadersCount + 5 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}Content-Length: 5\r\n`, 'hello'), 0],
  ['  Expect: 100-continue', post('Expect: 100-continue\r\nContent-Length: 5\r\n', 'hello'), 1, [100, 200]],
  ['unknown Expect', post('Expect: something-else\r\nContent-Length: 5\r\n', 'hello'), 0, [417]],
  ['  repeated headers node joins', post('Accept: a/b\r\nAccept: c/d\r\nCookie: a=1\r\nCookie: b=2\r\nX-Custom: 1\r\nX-Custom: 2\r\nContent-Length: 5\r\n', 'hello'), 1],
  ['  repeated headers node keeps the first of', post('User-Agent: one\r\nUser-Agent: two\r\nContent-Type: text/a\r\nContent-Type: text/b\r\nReferer: /x\r\nReferer: /y\r\nContent-Length: 5\r\n', 'hello'), 1],
  ['  headers the proxy must pass on untouched', post('Forwarded: for=1.2.3.4\r\nX-Real-IP: 1.2.3.4\r\nContent-Length: 5\r\n', 'hello'), 1],
];

describe('client requests, named cases', () => {
  // Cases named with leading spaces are the well-formed counterparts that node:http accepts.
  it.each(CASES)('%s', async (_name, bytes, accepted, statuses) => {
    const v = await compare(bytes);
    expect({ bytes: compact(bytes), accepted: v.reference.accepted.length }).toEqual({ bytes: compact(bytes), accepted });
    if (statuses) expect(v.reference.statuses).toEqual(statuses);
    expectSame(bytes, v);
  });
});

/** Pieces of requests, mostly valid, for the property below to put together. */
const some = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>, odds = 8) => fc.oneof({ weight: odds, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const method = some(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), fc.constantFrom('get', 'G@T', 'FOO', 'QUERY', 'PROPFIND', 'CONNECT', '', 'POST\t'));
// Asterisk- and authority-form targets are left out: node:http accepts them, but they name no path to route on.
const target = some(
  fc.constantFrom('/', '/a/b?c=d', '/a.b', '/?q', '/a;b', 'http://h.test/abs'),
  fc.constantFrom('/a b', '/a\u0001', '/\u007f', '/\u00e9', '', '/a\tb', 'HTTP://h.test', '/a\u0000'),
);
// node:http takes `HTTP/2.0` and `HTTP/0.9` request lines for HTTP/1.x messages, and so must the proxy.
const version = some(fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9'), fc.constantFrom('HTTP/1.2', 'HTTP/3.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1'));
const valueChar = some(fc.constantFrom('a', 'B', '0', ' ', ',', ';', '=', '"', '/'), fc.constantFrom('\t', '\u0000', '\u0001', '\u007f', '\u00e9', '\r', '\n'), 12);
const header = fc.oneof(
  fc.constantFrom(
    'Host: h.test',
    'Host: other.test',
    'Accept: */*',
    'Accept: text/html',
    'User-Agent: fuzz',
    'Cookie: a=1',
    'Content-Type: text/plain',
    'X-Empty:',
    'X-Tab:\tv',
    'Connection: keep-alive',
    'Connection: close',
    'Connection: x-drop',
    'X-Drop: 1',
    'Keep-Alive: timeout=5',
    'TE: trailers',
    'Expect: 100-continue',
    'Expect: nope',
    'Forwarded: for=1.2.3.4',
    'X-Forwarded-For: 1.2.3.4',
    ' X-Leading: space',
    'X-Trailing : space',
  ),
  fc.tuple(some(fc.constantFrom('X-Fuzz', 'Accept', 'Cookie', 'User-Agent', 'Referer'), fc.constantFrom('X Bad', 'X-\u00dc', 'X@', '', 'X-\u0000')), fc.string({ unit: valueChar, maxLength: 6 })).map(([n, v]) => `${n}: ${v}`),
);
const lineEnd = some(fc.constant('\r\n'), fc.constantFrom('\n', '\r'), 30);
const bodyText = fc.string({ unit: fc.constantFrom('a', 'b', '0', '\r', '\n', ';'), maxLength: 8 });

/** A body and the framing headers that go with it: right, wrong, conflicting or missing. */
const framed = fc.oneof(
  fc.constant({ headers: [] as string[], body: '' }),
  fc.tuple(bodyText, fc.constantFrom(0, 0, 0, 0, 1, -1), fc.constantFrom('', '', '', '+', '0', ' ', 'x')).map(([body, off, odd]) => ({
    headers: [`Content-Length: ${odd}${Math.max(0, body.length + off)}`],
    body,
  })),
  fc
    .tuple(
      fc.array(fc.tuple(bodyText, fc.constantFrom(0, 0, 0, 0, 0, 1, -1), fc.constantFrom('', '', '', ';e=1', ';', ' ')), { maxLength: 3 }),
      fc.constantFrom('0\r\n\r\n', '0\r\n\r\n', '0\r\nX-T: t\r\n\r\n', '0\r\n', '', '00\r\n\r\n'),
      fc.constantFrom(['chunked'], ['chunked'], ['chunked'], ['gzip, chunked'], ['chunked, gzip'], ['identity'], ['chunked', 'chunked'], ['chunked '], ['Chunked']),
      fc.constantFrom(null, null, null, null, 0, 5),
    )
    .map(([chunks, last, codings, length]) => ({
      headers: [...codings.map((c) => `Transfer-Encoding: ${c}`), ...(length === null ? [] : [`Content-Length: ${length}`])],
      body: chunks.map(([data, off, ext]) => `${Math.max(0, data.length + off).toString(16)}${ext}\r\n${data}\r\n`).join('') + last,
    })),
);

const request = fc
  .tuple(method, target, version, fc.boolean(), fc.array(header, { maxLength: 4 }), framed, fc.array(lineEnd, { minLength: 8, maxLength: 8 }))
  .map(([m, t, ver, host, extra, { headers, body }, ends]) => {
    // Header lines end as the generator says, the request line and blank line included; the order is shuffled by it.
    const lines = [`${m} ${t} ${ver}`, ...(host ? ['Host: h.test'] : []), ...extra, ...headers];
    return lines.map((line, i) => line + (ends[i % ends.length] ?? '\r\n')).join('') + ends[7] + body;
  });

describe('client requests, fuzzed', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 300);
  it('the proxy forwards exactly what node:http accepts and answers the client as it does', { timeout: 60_000 + runs * 1_000 }, async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 3 }), async (requests) => {
        const bytes = requests.join('');
        const v = await compare(bytes);
        if (v.reference.accepted.length > 0) accepted++;
        if (v.reference.statuses.some((s) => s >= 400)) refused++;
        expectSame(bytes, v);
      }),
      { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 11) },
    );
    // Both sides of the comparison were exercised, not one only.
    expect(accepted).toBeGreaterThan(runs / 10);
    expect(refused).toBeGreaterThan(runs / 10);
  });
});

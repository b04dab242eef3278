import { EventEmitter } from 'node:events';
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import type { Http1Request } from './request.js';
import { hasInvalidHeaderChar, isHttpToken } from './llhttp.js';

/** What a response needs from its connection. */
export interface ResponseChannel {
  /** Writes to the client; false once the socket's buffer is full ('drain' follows on the response). */
  write(data: string | Buffer, encoding?: BufferEncoding): boolean;
  /** Whether the connection may carry another request after this one (not when draining, nor the client asked). */
  mayKeepAlive(req: Http1Request): boolean;
  /** `keep-alive: timeout=N` as node:http announces its keep-alive timeout. */
  readonly keepAliveHeader: string;
  cork(): void;
  uncork(): void;
  ended(res: Http1Response): void;
  destroy(): void;
  readonly closed: boolean;
  /** The socket still takes writes (false once it is ending: the client's FIN, an error answered). */
  readonly writable: boolean;
}

/** Bodies up to this size are written with the header block as one latin1 string: one write, no Buffer copies. */
const SMALL_BODY = 2048;
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, line);
  }
  return line;
}

let dateLine = '';
let dateSecond = 0;
/** node:http's Date header, rendered once a second. */
function currentDateLine(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

function headerLine(name: string, value: string): string {
  // The same checks node:http's writeHead makes: no CR, LF or NUL can split the response.
  if (!isHttpToken(name) || hasInvalidHeaderChar(value)) {
    throw Object.assign(new TypeError(`invalid response header ${JSON.stringify(name)}`), { code: 'ERR_INVALID_CHAR' });
  }
  return `${name}: ${value}\r\n`;
}

/** A header's lines, one per value of a repeated header (Set-Cookie). */
function headerLines(name: string, value: number | string | readonly string[]): string {
  if (!Array.isArray(value)) return headerLine(name, String(value));
  let lines = '';
  for (const one of value) lines += headerLine(name, one);
  return lines;
}

/**
 * The response to one HTTP/1.1 request, with the part of node:http's ServerResponse the proxy uses (`writeHead`,
 * `write`, `end`, `setHeader`, `addTrailers`, 'drain' and 'close'), writing straight to the socket. Framing is
 * node:http's: the upstream's Content-Length when it has one, else chunked for an HTTP/1.1 client and the end of the
 * connection for an HTTP/1.0 one; no body for HEAD, 1xx, 204 and 304.
 */
export class Http1Response extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  /** The response was written whole (false when the connection closed first). */
  writableFinished = false;
  /** The connection carries another request after this response. */
  keepAlive = false;
  private head: string | null = null;
  private chunked = false;
  private bodyAllowed = true;
  private pendingHeaders: OutgoingHttpHeaders | null = null;
  private trailers: OutgoingHttpHeaders | null = null;

  constructor(
    private readonly channel: ResponseChannel,
    readonly req: Http1Request,
  ) {
    super();
  }

  /** For `pipe()`, which checks it. */
  get writable(): boolean {
    return !this.writableEnded && !this.channel.closed;
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    (this.pendingHeaders ??= {})[name.toLowerCase()] = value as string | string[];
    return this;
  }

  addTrailers(headers: OutgoingHttpHeaders): void {
    this.trailers = { ...this.trailers, ...headers };
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.startHead(status, headers, false);
    return this;
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded) return false;
    if (!this.headersSent) this.startHead(this.statusCode, undefined, false);
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.bodyAllowed || body.length === 0) return true;
    return this.writeBody(body);
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    else if (!this.headersSent) this.startHead(this.statusCode, undefined, true);
    let tail = this.head ?? '';
    this.head = null;
    if (this.chunked) tail += `0\r\n${this.trailerLines()}\r\n`;
    // Finished only if the socket took it: otherwise the access log says the client went away (499).
    this.writableFinished = this.channel.writable;
    if (tail !== '') this.channel.write(tail, 'latin1');
    this.writableEnded = true;
    this.channel.ended(this);
    return this;
  }

  destroy(): this {
    this.channel.destroy();
    return this;
  }

  /** The connection is done with this response (written, or cut): 'finish' when it was whole, then 'close'. */
  closed(): void {
    if (this.writableFinished) this.emit('finish');
    this.emit('close');
  }

  private startHead(status: number, headers: OutgoingHttpHeaders | undefined, endingEmpty: boolean): void {
    if (this.headersSent) throw Object.assign(new Error('response headers already sent'), { code: 'ERR_HTTP_HEADERS_SENT' });
    const all = this.pendingHeaders ? { ...this.pendingHeaders, ...headers } : headers;
    const { req } = this;
    this.bodyAllowed = req.method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
    let head = statusLine(status);
    let hasLength = false;
    let hasDate = false;
    for (const name in all) {
      const value = all[name];
      if (value === undefined || name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive') continue;
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
      head += headerLines(name, value);
    }
    // Only once every line passed its check: a refused header leaves the response unsent, free to answer 502.
    this.statusCode = status;
    this.headersSent = true;
    let keepAlive = this.channel.mayKeepAlive(req);
    if (this.bodyAllowed && !hasLength) {
      if (endingEmpty) head += 'content-length: 0\r\n';
      else if (req.httpVersionMinor === 1) {
        this.chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      } else keepAlive = false; // HTTP/1.0 has no chunked encoding: the end of the connection ends the body
    }
    this.keepAlive = keepAlive;
    head += keepAlive ? `connection: keep-alive\r\n${this.channel.keepAliveHeader}` : 'connection: close\r\n';
    if (!hasDate) head += currentDateLine();
    this.head = head + '\r\n';
  }

  private writeBody(body: Buffer): boolean {
    const head = this.head ?? '';
    this.head = null;
    if (body.length <= SMALL_BODY) {
      const framed = this.chunked ? `${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n` : body.toString('latin1');
      return this.channel.write(head + framed, 'latin1');
    }
    // Corked: the header block, chunk framing and body leave in one writev.
    this.channel.cork();
    if (this.chunked) this.channel.write(`${head}${body.length.toString(16)}\r\n`, 'latin1');
    else if (head !== '') this.channel.write(head, 'latin1');
    let ok = this.channel.write(body);
    if (this.chunked) ok = this.channel.write('\r\n', 'latin1');
    this.channel.uncork();
    return ok;
  }

  private trailerLines(): string {
    let lines = '';
    for (const name in this.trailers) {
      const value = this.trailers[name];
      if (value !== undefined) lines += headerLines(name, value);
    }
    return lines;
  }
}

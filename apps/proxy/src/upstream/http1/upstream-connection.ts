import type { OutgoingHttpHeaders } from 'node:http';
import type net from 'node:net';
import type { Readable } from 'node:stream';
import { ConsumedSocket, HTTPParser, SKIP_BODY, type HeadersComplete, type HttpParser, type ParserError } from '../../http1/llhttp.js';
import type { BodyFraming } from './request-head.js';

/** A request for an upstream: what goes on the wire, and the client body to stream after the head (or null). */
export interface UpstreamRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Readable | null;
}

/**
 * What an upstream request reports, in order: the final response head, its body, its end; or an error instead at
 * any point. Nothing is reported after an error, after the end, or once the request was aborted.
 */
export interface UpstreamHandler {
  /** The request's body has been handed to the socket in full. */
  onRequestSent(): void;
  /** The final response (1xx are read and skipped, as node:http's client does); header lines as llhttp read them. */
  onResponseStart(status: number, headerLines: string[]): void;
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(err: NodeJS.ErrnoException): void;
}

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  /** The response is complete and the connection may carry another request. */
  release(connection: UpstreamConnection): void;
  /** The connection closed. */
  forget(connection: UpstreamConnection): void;
}

const STATUS_NOT_MODIFIED = 304;

/** Idle longer than this, a connection is not reused, unless the upstream said how long it keeps it (Keep-Alive). */
const DEFAULT_IDLE_LIMIT_MS = 4_000;
/** Taken off an upstream's Keep-Alive timeout, so the proxy stops reusing a connection before the upstream closes it. */
const KEEP_ALIVE_HINT_MARGIN_MS = 1_000;

/** The upstream's response was refused or could not be relayed; not a broken connection, never retried. */
export const UPSTREAM_BAD_RESPONSE = 'UPSTREAM_BAD_RESPONSE';

/** The upstream closed the connection before the response was complete; a request sent on it may be retried. */
export const UPSTREAM_CLOSED = 'UPSTREAM_CLOSED';

function connectionError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * One keep-alive connection to an upstream, carrying one request at a time: the request head written in one piece,
 * the body streamed behind it, and the response read by Node's own llhttp in response mode with node:http's client
 * settings (strict parsing, its header limits), so what the proxy accepts from an upstream is exactly what node:http
 * accepts. Bytes that arrive when no response is expected end the connection, so a response can never be taken for
 * the answer to a later request.
 */
export class UpstreamConnection {
  /** When the connection went back to its pool. */
  idleSince = 0;
  /** How long it may stay idle and still be reused: the upstream's Keep-Alive timeout less a margin, or 4 s. */
  idleLimitMs = DEFAULT_IDLE_LIMIT_MS;
  private readonly parser: HttpParser;
  private readonly reading: ConsumedSocket;
  private handler: UpstreamHandler | null = null;
  private body: Readable | null = null;
  private framing: BodyFraming = 'none';
  private requestSent = false;
  private headOnly = false;
  private keepAlive = false;
  /** The message being read is a 1xx: its end is not the response's. */
  private informational = false;
  /** The response completed during the parse in progress; what to do with the connection is decided after it. */
  private completed = false;
  /** A message began that no request asked for. */
  private unsolicited = false;
  /** Header lines of a response with more than 32 of them arrive in parts (llhttp's kOnHeaders). */
  private partialHeaders: string[] | null = null;
  private socketError: NodeJS.ErrnoException | null = null;
  /** The connection cannot carry another request (the upstream or the exchange ended it, or it said close). */
  private spent = false;

  constructor(
    private readonly owner: ConnectionOwner,
    readonly socket: net.Socket,
  ) {
    const parser = new HTTPParser();
    // As node:http's client: maxHeaderSize 0 is Node's default (16 KiB), no lenient flags, 2,000 header lines.
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    parser.maxHeaderPairs = 4_000;
    parser[HTTPParser.kOnMessageBegin] = () => this.messageBegan();
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => this.headersArrived(headers);
    const headersComplete: HeadersComplete = (_major, _minor, headers, _method, _url, status, _message, upgrade, keepAlive) =>
      this.headersCompleted(headers, status, upgrade, keepAlive);
    parser[HTTPParser.kOnHeadersComplete] = headersComplete;
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => this.bodyArrived(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => this.messageCompleted();
    parser[HTTPParser.kOnExecute] = (result: number | ParserError) => this.parsed(result);
    this.parser = parser;
    socket.on('data', (chunk: Buffer) => this.parsed(parser.execute(chunk)));
    socket.on('end', () => this.ended());
    socket.on('error', (err: NodeJS.ErrnoException) => (this.socketError = err));
    socket.on('close', () => this.socketClosed());
    // As the proxy's HTTP/1.1 server (and node:http's) does; the 'data' listener serves a handle it cannot consume.
    this.reading = new ConsumedSocket(parser, socket);
  }

  /** `handler`'s request is in progress here (not over, failed or abandoned). */
  carries(handler: UpstreamHandler): boolean {
    return this.handler === handler;
  }

  /** Sends `request` (its head already made, see request-head); `handler` hears about its response. */
  send(head: string, framing: BodyFraming, request: UpstreamRequest, handler: UpstreamHandler): void {
    this.handler = handler;
    this.requestSent = false;
    this.headOnly = request.method === 'HEAD';
    this.keepAlive = false;
    this.framing = framing;
    this.socket.write(head, 'latin1');
    if (request.body === null) {
      this.requestSent = true;
      return;
    }
    this.body = request.body;
    request.body.on('data', this.bodyData);
    request.body.on('end', this.bodyEnded);
    request.body.on('error', this.bodyFailed);
  }

  /** Abandons `handler`'s request (the client left, or was answered 504): the connection cannot be reused. */
  abort(handler: UpstreamHandler): void {
    if (this.handler !== handler) return;
    this.handler = null;
    this.detachBody();
    this.socket.destroy();
  }

  /** The client is not reading: stop reading the response until it does. */
  pause(handler: UpstreamHandler): void {
    if (this.handler === handler) this.reading.setReading(false);
  }

  resume(handler: UpstreamHandler): void {
    if (this.handler === handler) this.reading.setReading(true);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly bodyData = (chunk: Buffer): void => {
    if (this.framing === 'chunked') {
      if (chunk.length === 0) return;
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk);
      if (!this.socket.write('\r\n', 'latin1')) this.waitForDrain();
    } else if (!this.socket.write(chunk)) {
      this.waitForDrain();
    }
  };

  private waitForDrain(): void {
    const body = this.body!;
    body.pause();
    this.socket.once('drain', () => {
      if (this.body === body) body.resume();
    });
  }

  private readonly bodyEnded = (): void => {
    if (this.framing === 'chunked') this.socket.write('0\r\n\r\n', 'latin1');
    this.detachBody();
    this.requestSent = true;
    this.handler?.onRequestSent();
  };

  private readonly bodyFailed = (err: Error): void => {
    // The client's upload broke off: the upstream cannot be sent a complete request on this connection.
    this.fail(Object.assign(new Error(`the client's request body failed: ${err.message}`), { code: 'ECONNRESET' }));
  };

  private detachBody(): void {
    const body = this.body;
    if (body === null) return;
    this.body = null;
    body.off('data', this.bodyData);
    body.off('end', this.bodyEnded);
    body.off('error', this.bodyFailed);
  }

  /** A read parsed (by the consuming parser, or from a 'data' event): its byte count, or the parse error. */
  private parsed(result: number | ParserError): void {
    if (typeof result !== 'number') return this.fail(parseError(result));
    // Bytes no request asked for (on an idle connection, or after a complete response): they answer nothing.
    if (this.unsolicited) return this.fail(connectionError(UPSTREAM_BAD_RESPONSE, 'upstream sent more than the response'));
    this.settle();
  }

  /** After a parse: a complete response frees the connection, if it may carry another request. */
  private settle(): void {
    if (!this.completed) return;
    this.completed = false;
    if (this.spent) this.socket.destroy();
    else this.owner.release(this);
  }

  private messageBegan(): void {
    if (this.handler === null || this.completed) this.unsolicited = true;
  }

  private headersArrived(headers: string[]): void {
    this.partialHeaders = this.partialHeaders === null ? headers : this.partialHeaders.concat(headers);
  }

  private headersCompleted(lines: string[] | undefined, status: number, upgrade: boolean, shouldKeepAlive: boolean): number {
    const handler = this.handler;
    const raw = this.partialHeaders === null ? (lines ?? []) : this.partialHeaders.concat(lines ?? []);
    this.partialHeaders = null;
    if (handler === null || this.unsolicited) return SKIP_BODY;
    if (upgrade || status === 101) {
      // The proxy never asks an HTTP request to switch protocols here (upgrades have their own path).
      this.fail(connectionError(UPSTREAM_BAD_RESPONSE, 'upstream switched protocols unasked'));
      return SKIP_BODY;
    }
    if (status < 200) {
      this.informational = true;
      return SKIP_BODY;
    }
    this.keepAlive = shouldKeepAlive;
    this.idleLimitMs = keepAliveHint(raw) ?? DEFAULT_IDLE_LIMIT_MS;
    try {
      handler.onResponseStart(status, raw);
    } catch (err) {
      // Relaying it threw (a head HTTP/2 cannot carry: a repeated Date, a status above 599): never into the read
      // callback, where it would end the process.
      this.fail(unrelayable(err as Error));
      return SKIP_BODY;
    }
    return this.headOnly || status === STATUS_NOT_MODIFIED ? SKIP_BODY : 0;
  }

  private bodyArrived(chunk: Buffer): void {
    const handler = this.handler;
    if (handler === null) return;
    try {
      handler.onResponseData(chunk);
    } catch (err) {
      this.fail(unrelayable(err as Error));
    }
  }

  private messageCompleted(): void {
    // Trailer lines of a chunked body arrive like header lines (kOnHeaders): they are not the next message's.
    this.partialHeaders = null;
    if (this.informational) {
      this.informational = false;
      return;
    }
    const handler = this.handler;
    if (handler === null) return;
    this.handler = null;
    this.completed = true;
    // Reusable only when both directions are over: a response that came before the whole body was sent leaves the
    // upstream reading a request the proxy stops sending.
    if (!this.keepAlive || !this.requestSent) this.spent = true;
    this.detachBody();
    this.reading.setReading(true);
    try {
      handler.onResponseEnd();
    } catch {
      // The client's response could not be ended (its stream is gone): nothing is left to report to.
    }
  }

  private ended(): void {
    // A close-delimited body ends here; anything else in progress is cut short.
    const result = this.parser.finish();
    if (result !== undefined) return this.fail(parseError(result));
    this.settle();
    this.fail(connectionError(UPSTREAM_CLOSED, 'upstream closed the connection'));
  }

  private socketClosed(): void {
    this.spent = true;
    this.fail(this.socketError ?? connectionError(UPSTREAM_CLOSED, 'upstream closed the connection'));
    this.owner.forget(this);
    this.reading.release();
    // Later, as the HTTP/1.1 server does: the handle may still be handing the parser its last read.
    const { parser } = this;
    setImmediate(() => parser.close());
  }

  /** Reports `err` to the request in progress, if any, and closes the connection. */
  private fail(err: NodeJS.ErrnoException): void {
    const handler = this.handler;
    this.handler = null;
    this.spent = true;
    this.detachBody();
    this.socket.destroy();
    handler?.onResponseError(err);
  }
}

function parseError(err: ParserError): NodeJS.ErrnoException {
  return Object.assign(new Error(`upstream response refused: ${err.reason ?? err.message}`), { code: err.code });
}

function unrelayable(err: Error): NodeJS.ErrnoException {
  return Object.assign(new Error(`upstream response cannot be relayed: ${err.message}`), { code: UPSTREAM_BAD_RESPONSE });
}

/**
 * How long the upstream said it keeps an idle connection (`Keep-Alive: timeout=N`), less a margin, in ms; null
 * without one. As undici and node:http's Agent read it: reusing a connection the upstream is closing fails the request.
 */
function keepAliveHint(lines: readonly string[]): number | null {
  for (let i = 0; i < lines.length; i += 2) {
    if (lines[i]!.length !== 10 || lines[i]!.toLowerCase() !== 'keep-alive') continue;
    const timeout = /(?:^|[\s,])timeout\s*=\s*(\d{1,6})(?:$|[\s,])/i.exec(lines[i + 1]!);
    if (timeout) return Math.max(0, Number(timeout[1]) * 1000 - KEEP_ALIVE_HINT_MARGIN_MS);
  }
  return null;
}

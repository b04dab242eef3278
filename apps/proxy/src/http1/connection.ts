import type net from 'node:net';
import { CONTINUE_EXPECTATION, ConsumedSocket, HTTPParser, METHODS, UPGRADE, type HeadersComplete, type HttpParser, type ParserError } from './llhttp.js';
import { Http1Request, joinHeaderLines } from './request.js';
import { Http1Response, type ResponseChannel } from './response.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly maxHeaderSize: number;
  readonly maxHeadersCount: number;
  readonly socketIdleTimeoutMs: number;
  readonly keepAliveHeader: string;
  readonly draining: boolean;
  request(req: Http1Request, res: Http1Response): void;
  upgrade(req: Http1Request, socket: net.Socket, head: Buffer): void;
  /** A parse error or timeout: answer it (400, 408, 413, 431) unless a response is in progress, and close. */
  clientError(err: NodeJS.ErrnoException, socket: net.Socket, responseInProgress: boolean): void;
  forget(connection: Http1Connection): void;
}

/** Requests received behind the one being answered (pipelining) before the proxy stops reading the connection. */
const MAX_WAITING = 16;

/** The error the body of a request whose connection closed mid-upload ends with (node:http's, for IncomingMessage). */
function abortedError(): NodeJS.ErrnoException {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/**
 * One client connection: Node's llhttp parser fed from the socket, requests answered one at a time in the order
 * they came (later pipelined ones wait, their bodies buffered by their own streams), keep-alive between them, and
 * the timestamps the server's timeout sweep reads.
 */
export class Http1Connection implements ResponseChannel {
  /** When the message being received started (0: none in progress); headersTimeout and requestTimeout run from it. */
  messageStartedAt: number;
  /** The message being received has all its headers. */
  headersDone = false;
  /** When the connection became idle between requests (0: not idle); keepAliveTimeout runs from it. */
  idleSince = 0;
  readonly keepAliveHeader: string;

  private readonly parser: HttpParser;
  /** The response being produced. */
  private current: Http1Response | null = null;
  private readonly waiting: Http1Response[] = [];
  /** The request whose body the parser is reading. */
  private receiving: Http1Request | null = null;
  /** A request with more than 32 header lines arrives in parts (llhttp's kOnHeaders). */
  private partialHeaders: string[] = [];
  private partialUrl = '';
  private upgradeRequest: Http1Request | null = null;
  /** The socket handle the parser reads from. */
  private readonly reading: ConsumedSocket;
  private bodyFull = false;
  private queueFull = false;
  /** The client is not reading its responses: no further request is read until it does (node:http does the same). */
  private outputFull = false;
  /** No further request is taken: the connection is closing (an error, `connection: close`, the client's FIN). */
  private closing = false;
  /** `startWaiting` is running (further up the stack). */
  private startingWaiting = false;

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: net.Socket,
  ) {
    this.keepAliveHeader = host.keepAliveHeader;
    // node:http runs headersTimeout from the connection's start for its first request, too.
    this.messageStartedAt = Date.now();
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, host.maxHeaderSize, HTTPParser.kLenientNone);
    // Read by the binding: a message with more header lines than this is refused (431), as node:http's maxHeadersCount.
    parser.maxHeaderPairs = host.maxHeadersCount * 2;
    parser[HTTPParser.kOnMessageBegin] = () => this.messageBegan();
    parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => this.headersArrived(headers, url);
    const headersComplete: HeadersComplete = (major, minor, headers, method, url, _status, _message, upgrade, keepAlive) =>
      this.headersCompleted(major, minor, headers, method, url, upgrade, keepAlive);
    parser[HTTPParser.kOnHeadersComplete] = headersComplete;
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => this.bodyArrived(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => this.messageCompleted();
    parser[HTTPParser.kOnExecute] = (result: number | ParserError) => this.executed(result);
    this.parser = parser;
    for (const [event, listener] of this.socketListeners()) socket.on(event, listener);
    socket.setTimeout(host.socketIdleTimeoutMs);
    // As node:http. The 'data' listener above starts the reading, and serves a socket whose handle cannot be consumed.
    this.reading = new ConsumedSocket(parser, socket);
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }
  get writable(): boolean {
    return this.socket.writable;
  }

  /** No request in progress and none waiting: safe to close without cutting anyone off. */
  get idle(): boolean {
    return this.current === null && this.messageStartedAt === 0;
  }

  // ResponseChannel
  write(data: string | Buffer, encoding?: BufferEncoding): boolean {
    if (!this.socket.writable) return true; // closing: the response is being cut, and 'close' reports it
    return encoding === undefined ? this.socket.write(data) : this.socket.write(data, encoding);
  }
  cork(): void {
    this.socket.cork();
  }
  uncork(): void {
    this.socket.uncork();
  }
  mayKeepAlive(req: Http1Request): boolean {
    return !this.closing && !this.host.draining && req.shouldKeepAlive;
  }
  ended(res: Http1Response): void {
    if (res !== this.current) return;
    this.current = null;
    res.closed();
    if (!res.keepAlive) return this.close();
    const { req } = res;
    // An unread body (a local answer to a POST) is read and dropped, so the next request can be parsed.
    if (!req.complete) req.body?.resume();
    if (this.waiting.length > 0) this.startWaiting();
    else if (this.messageStartedAt === 0) this.idleSince = Date.now();
  }
  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Parse error or timeout: node:http's clientError path, as the proxy has always answered it. With no request being
   * answered, the error status (400, 408, 413, 431) is sent; while one is, the connection is cut, since an error
   * status then would read as that request's answer.
   */
  fail(err: NodeJS.ErrnoException): void {
    if (this.closing) return;
    this.closing = true;
    this.host.clientError(err, this.socket, this.current !== null);
  }

  private socketListeners(): Array<[string, (...args: any[]) => void]> {
    return [
      ['data', this.onData],
      ['end', this.onEnd],
      ['close', this.onClose],
      ['drain', this.onDrain],
      ['error', this.onError],
      ['timeout', this.onIdleTimeout],
    ];
  }

  /** Only for a socket whose handle the parser could not consume. */
  private readonly onData = (chunk: Buffer): void => {
    if (this.closing) return;
    const parsed = this.parser.execute(chunk);
    if (typeof parsed !== 'number') this.fail(parsed as ParserError);
    else if (this.upgradeRequest) this.handOver(this.upgradeRequest, chunk.subarray(parsed));
  };

  /** A read parsed by the consuming parser: its byte count, or the parse error. */
  private executed(result: number | ParserError): void {
    // Reads no longer pass through net.Socket's JS, which is what refreshes its idle timer.
    (this.socket as unknown as { _unrefTimer(): void })._unrefTimer();
    if (this.closing) return;
    if (typeof result !== 'number') this.fail(result);
    else if (this.upgradeRequest) this.handOver(this.upgradeRequest, this.parser.getCurrentBuffer().subarray(result));
  }

  /** The client's FIN: as node:http (without httpAllowHalfOpen), a truncated message is an error, else we close too. */
  private readonly onEnd = (): void => {
    if (this.closing) return;
    const err = this.parser.finish();
    if (err) return this.fail(err as ParserError);
    this.closing = true;
    if (this.socket.writable) this.socket.end();
  };

  private readonly onClose = (): void => {
    this.closing = true;
    this.host.forget(this);
    const req = this.receiving;
    this.receiving = null;
    if (req && !req.complete) {
      req.body?.destroy();
      // Only reported to whoever listens (the proxy aborts the upstream request), as node:http does for IncomingMessage.
      if (req.listenerCount('error') > 0) req.emit('error', abortedError());
    }
    const res = this.current;
    this.current = null;
    res?.closed();
    this.waiting.length = 0;
    this.reading.release();
    const parser = this.parser;
    // Never closed from inside one of its own callbacks (node:http defers it the same way).
    setImmediate(() => parser.close());
  };

  private readonly onDrain = (): void => {
    if (this.outputFull) {
      this.outputFull = false;
      this.updateReading();
    }
    this.current?.emit('drain');
  };

  private readonly onError = (): void => {
    // Socket errors end in 'close', which reports them; this only keeps them from being thrown.
  };

  private readonly onIdleTimeout = (): void => {
    this.socket.destroy();
  };

  private readonly wantsMore = (): void => {
    if (!this.bodyFull) return;
    this.bodyFull = false;
    this.updateReading();
  };

  private updateReading(): void {
    this.reading.setReading(!(this.bodyFull || this.queueFull || this.outputFull));
  }

  private messageBegan(): void {
    this.messageStartedAt = Date.now();
    this.headersDone = false;
    this.idleSince = 0;
  }

  private headersArrived(headers: string[], url: string): void {
    for (const item of headers) this.partialHeaders.push(item);
    this.partialUrl += url;
  }

  private headersCompleted(
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number {
    this.headersDone = true;
    if (headers === undefined) {
      headers = this.partialHeaders;
      url = this.partialUrl;
      this.partialHeaders = [];
      this.partialUrl = '';
    }
    if (this.closing) return 0;
    const req = new Http1Request(this.socket, METHODS[method] ?? '', url ?? '', versionMajor, versionMinor, joinHeaderLines(headers), this.wantsMore);
    if (upgrade) {
      this.upgradeRequest = req;
      return UPGRADE;
    }
    req.shouldKeepAlive = shouldKeepAlive;
    this.receiving = req;
    const res = new Http1Response(this, req);
    if (this.current !== null) {
      this.waiting.push(res);
      if (this.waiting.length >= MAX_WAITING && !this.queueFull) {
        this.queueFull = true;
        this.updateReading();
      }
    } else this.begin(res);
    if (this.socket.writableNeedDrain && !this.outputFull) {
      this.outputFull = true;
      this.updateReading();
    }
    return 0;
  }

  private bodyArrived(chunk: Buffer): void {
    const body = this.receiving?.body;
    if (body && !body.push(chunk) && !this.bodyFull) {
      this.bodyFull = true;
      this.updateReading();
    }
  }

  private messageCompleted(): void {
    this.messageStartedAt = 0;
    // Trailer lines of a chunked body arrive like header lines; they are dropped, not relayed upstream.
    this.partialHeaders = [];
    this.partialUrl = '';
    const req = this.receiving;
    this.receiving = null;
    if (req !== null) {
      req.complete = true;
      req.body?.push(null);
    }
    if (this.current === null && this.waiting.length === 0) this.idleSince = Date.now();
  }

  /**
   * Answers the requests waiting behind the one that just ended, in order, from a loop: a local answer ends within
   * `begin`, which re-enters `ended`, and a recursion through thousands of pipelined requests would overflow the stack.
   */
  private startWaiting(): void {
    if (this.startingWaiting) return; // the loop further up the stack takes the next one
    this.startingWaiting = true;
    try {
      while (this.current === null && !this.closing) {
        const next = this.waiting.shift();
        if (!next) break;
        this.begin(next);
      }
    } finally {
      this.startingWaiting = false;
    }
    if (this.queueFull && this.waiting.length < MAX_WAITING / 2) {
      this.queueFull = false;
      this.updateReading();
    }
    if (this.current === null && this.waiting.length === 0 && this.messageStartedAt === 0) this.idleSince = Date.now();
  }

  /** Answers a request: node:http's own checks first (Host for HTTP/1.1, Expect), then the proxy's handler. */
  private begin(res: Http1Response): void {
    this.current = res;
    this.idleSince = 0;
    const { req } = res;
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      if (req.headers.host === undefined) {
        req.shouldKeepAlive = false;
        res.writeHead(400).end();
        return;
      }
      const expect = req.headers.expect;
      if (expect !== undefined) {
        if (!CONTINUE_EXPECTATION.test(expect)) {
          res.writeHead(417).end();
          return;
        }
        this.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
      }
    }
    this.host.request(req, res);
  }

  /**
   * An Upgrade request takes the connection over (as node:http's 'upgrade' event). CONNECT, and an upgrade
   * pipelined behind requests still being answered, close it instead.
   */
  private handOver(req: Http1Request, head: Buffer): void {
    const { socket } = this;
    this.closing = true;
    this.host.forget(this);
    for (const [event, listener] of this.socketListeners()) socket.off(event, listener);
    socket.setTimeout(0);
    this.reading.release();
    // The 'data' listener is gone: the new owner decides when the socket flows.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    const parser = this.parser;
    setImmediate(() => parser.close());
    if (req.method === 'CONNECT' || this.current !== null) {
      socket.destroy();
      return;
    }
    this.host.upgrade(req, socket, head);
  }

  private close(): void {
    this.closing = true;
    const { socket } = this;
    if (!socket.writable) return void socket.destroy();
    // After the response is flushed, as node:http's destroySoon: a client still sending gets no more reading.
    socket.end(() => socket.destroy());
  }
}

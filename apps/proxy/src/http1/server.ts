import type net from 'node:net';
import type { ListenerLimits } from '../listeners/limits.js';
import type { ConnectionHost } from './connection.js';
import { Http1Connection } from './connection.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';

export interface Http1Handlers {
  request(req: Http1Request, res: Http1Response): void;
  /** An Upgrade request (WebSocket): the socket is the handler's from now on; `head` is what followed the headers. */
  upgrade(req: Http1Request, socket: net.Socket, head: Buffer): void;
  /** A parse error or timeout on a connection: answer it unless a response is in progress there, and close. */
  clientError(err: NodeJS.ErrnoException, socket: net.Socket, responseInProgress: boolean): void;
}

function requestTimeoutError(): NodeJS.ErrnoException {
  return Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
}

/**
 * The proxy's HTTP/1.1 server: connections are handed to it already accepted (by the plain listener, or by the TLS
 * listener once ALPN chose http/1.1). It has node:http's limits and timeouts: headersTimeout and requestTimeout
 * (408) checked by one sweep over all connections, keepAliveTimeout between requests, an idle socket timeout.
 */
export class Http1Server implements ConnectionHost {
  readonly maxHeaderSize: number;
  readonly maxHeadersCount: number;
  readonly socketIdleTimeoutMs: number;
  readonly keepAliveHeader: string;
  /** Set once the proxy drains: every response says `connection: close`. */
  draining = false;
  private readonly connections = new Set<Http1Connection>();
  private sweep: NodeJS.Timeout | null = null;
  private readonly sweepIntervalMs: number;

  constructor(
    private readonly limits: ListenerLimits,
    private readonly handlers: Http1Handlers,
  ) {
    this.maxHeaderSize = limits.maxHeaderSize;
    this.maxHeadersCount = limits.maxHeadersCount;
    this.socketIdleTimeoutMs = limits.socketIdleTimeoutMs;
    this.keepAliveHeader = `keep-alive: timeout=${Math.floor(limits.keepAliveTimeoutMs / 1000)}\r\n`;
    // Proportionate to the timeouts it enforces, as node:http's connectionsCheckingInterval.
    this.sweepIntervalMs = Math.max(25, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
  }

  /** Serves HTTP/1.1 on an accepted connection. */
  accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.connections.add(new Http1Connection(this, socket));
    this.sweep ??= setInterval(() => this.checkTimeouts(), this.sweepIntervalMs).unref();
  }

  /** Connections now open (tests, drain). */
  get size(): number {
    return this.connections.size;
  }

  /** Closes connections with no request in progress; busy ones get `connection: close` on their response. */
  closeIdleConnections(): void {
    this.draining = true;
    for (const connection of this.connections) if (connection.idle) connection.destroy();
  }

  closeAllConnections(): void {
    this.draining = true;
    for (const connection of this.connections) connection.destroy();
  }

  // ConnectionHost
  request(req: Http1Request, res: Http1Response): void {
    this.handlers.request(req, res);
  }
  upgrade(req: Http1Request, socket: net.Socket, head: Buffer): void {
    this.handlers.upgrade(req, socket, head);
  }
  clientError(err: NodeJS.ErrnoException, socket: net.Socket, responseInProgress: boolean): void {
    this.handlers.clientError(err, socket, responseInProgress);
  }
  forget(connection: Http1Connection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.sweep !== null) {
      clearInterval(this.sweep);
      this.sweep = null;
    }
  }

  private checkTimeouts(): void {
    const now = Date.now();
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = this.limits;
    for (const connection of this.connections) {
      if (connection.messageStartedAt !== 0) {
        const age = now - connection.messageStartedAt;
        if ((headersTimeoutMs > 0 && !connection.headersDone && age > headersTimeoutMs) || (requestTimeoutMs > 0 && age > requestTimeoutMs)) {
          connection.fail(requestTimeoutError());
        }
      } else if (connection.idleSince !== 0 && now - connection.idleSince > keepAliveTimeoutMs) connection.destroy();
    }
  }
}

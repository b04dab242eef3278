import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../observability/logger.js';

/** Limits that keep a hostile or broken client from holding resources. */
export interface ListenerLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeadersCount: number;
  /** A connection with no traffic for this long is closed. */
  socketIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 100,
  socketIdleTimeoutMs: 120_000,
};

export interface HttpListenerHandlers {
  request: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** Parser errors Node reports on `clientError`, mapped to the status Node itself would send. */
function clientErrorStatus(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    default:
      return 400;
  }
}

/**
 * The HTTP/1.1 parser-error handler, shared by the plain listener and HTTP/1.1 over TLS: answers with the status Node
 * would send (400, 408, 413, 431) when it still can, else closes.
 */
export function clientErrorHandler(logger: Logger): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    logger.debug({ code: err.code, err: err.message }, 'client error');
    // A response already in progress on this connection cannot be followed by an error response: just close.
    const responseInProgress = (socket as { _httpMessage?: unknown })._httpMessage != null;
    if (!socket.writable || responseInProgress || (err.code === 'ECONNRESET' && !(err as { bytesParsed?: number }).bytesParsed)) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(err.code);
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  };
}

/** The HTTP/1.1 server options both listeners use (the TLS one through http2's allowHTTP1). */
export function http1ServerOptions(limits: ListenerLimits) {
  return {
    // Strict parsing is what refuses request smuggling (CL+TE, duplicate Content-Length, bare LF...) with 400.
    insecureHTTPParser: false,
    maxHeaderSize: limits.maxHeaderSize,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // headers/request timeouts are only enforced when this check runs; keep it proportionate to the timeouts.
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

export function createHttpListener(limits: ListenerLimits, handlers: HttpListenerHandlers, logger: Logger): http.Server {
  const server = http.createServer({
    ...http1ServerOptions(limits),
    // Upstream answers are relayed as they come; Nagle would only add latency.
    noDelay: true,
  });
  server.maxHeadersCount = limits.maxHeadersCount;
  server.setTimeout(limits.socketIdleTimeoutMs);
  server.on('request', handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('clientError', clientErrorHandler(logger));
  return server;
}

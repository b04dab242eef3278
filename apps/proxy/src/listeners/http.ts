import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Http1Server, type Http1Handlers } from '../http1/server.js';
import type { Logger } from '../observability/logger.js';
import type { ListenerLimits } from './limits.js';

/** Parser errors, mapped to the status node:http itself would send. */
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
 * An HTTP/1.1 parse error or timeout: answered with the status node:http would send (400, 408, 413, 431) when it
 * still can, else the connection is just closed.
 */
export function answerClientError(logger: Logger, err: NodeJS.ErrnoException, socket: Duplex, responseInProgress: boolean): void {
  logger.debug({ code: err.code, err: err.message }, 'client error');
  // A response already in progress on this connection cannot be followed by an error response: just close.
  if (!socket.writable || responseInProgress || (err.code === 'ECONNRESET' && !(err as { bytesParsed?: number }).bytesParsed)) {
    socket.destroy();
    return;
  }
  const status = clientErrorStatus(err.code);
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/** The plain HTTP port: accepted connections go to the proxy's HTTP/1.1 server. */
export interface HttpListener {
  readonly server: net.Server;
  readonly http1: Http1Server;
}

export function createHttpListener(limits: ListenerLimits, handlers: Omit<Http1Handlers, 'clientError'>, logger: Logger): HttpListener {
  const http1 = new Http1Server(limits, { ...handlers, clientError: (err, socket, inProgress) => answerClientError(logger, err, socket, inProgress) });
  // allowHalfOpen: the client's FIN is the connection's business (node:http's rules), not an automatic end.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => http1.accept(socket));
  return { server, http1 };
}

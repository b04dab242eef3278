import type http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics, TlsHandshakeErrorReason } from '../observability/metrics.js';
import type { PassthroughRelay } from '../passthrough/relay.js';
import type { ClientRequest, ClientResponse } from '../routing/http-proxy.js';
import { DEFAULT_MAX_CLIENT_HELLO_BYTES } from '../tls/client-hello.js';
import { readClientHello } from '../tls/read-client-hello.js';
import type { PemPair } from '../tls/default-certificate.js';
import { clientErrorHandler, http1ServerOptions, type ListenerLimits } from './http.js';

export interface TlsListenerDeps {
  store: ConfigStore;
  metrics: ProxyMetrics;
  logger: Logger;
  limits: ListenerLimits;
  clientHelloTimeoutMs: number;
  /** Served without SNI, for names no TLS host claims, and for hosts whose certificate is missing or broken. */
  defaultCertificate: PemPair;
  defaultContext: tls.SecureContext;
  passthrough: PassthroughRelay;
  request: (req: ClientRequest, res: ClientResponse) => void;
  /** HTTP/1.1 Upgrade requests (WebSocket over TLS); HTTP/2 extended CONNECT is not supported. */
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

function ignoreError(): void {
  // Errors on a raw socket are acted on by whoever owns it at the time; this only keeps them from being thrown.
}

/** One of the closed set of metric reasons for a failed ClientHello read (readClientHello's messages are free text). */
function clientHelloErrorReason(error: string): TlsHandshakeErrorReason {
  if (error === 'ClientHello timeout') return 'client_hello_timeout';
  if (error.startsWith('invalid ClientHello')) return 'client_hello_invalid';
  return 'client_hello_closed';
}

/**
 * The TLS port. Every connection starts in plain TCP: its ClientHello is read (without consuming it) and the SNI,
 * looked up in the table current at that moment, decides whether the connection is relayed as raw TCP to a
 * passthrough host's backend or handed to the terminating server. The decision is per connection, so a new table
 * applies to new connections and never to established ones.
 *
 * Termination is an HTTP/2 server that also speaks HTTP/1.1 (ALPN h2, http/1.1); both reach the same request
 * handler as the plain listener, with X-Forwarded-Proto https.
 */
export class TlsListener {
  /** The listening socket; bind it with `listen()`. */
  readonly server: net.Server;
  private readonly terminator: http2.Http2SecureServer;
  /** Raw sockets from accept until close, and the TLS sockets wrapping terminated ones, for shutdown. */
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(private readonly deps: TlsListenerDeps) {
    const { limits, logger, metrics } = deps;
    // allowHalfOpen: a passthrough relay must pass a client's FIN on rather than answer it with its own.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.terminator = http2.createSecureServer({
      // HTTP/1.1 over TLS gets the plain listener's parser strictness and timeouts (Node applies these options
      // to allowHTTP1 connections; @types/node does not list them).
      ...(http1ServerOptions(limits) as object),
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      // No SNI at all: these are used (SNICallback is not called).
      cert: deps.defaultCertificate.certPem,
      key: deps.defaultCertificate.keyPem,
      SNICallback: (serverName, cb) => cb(null, this.contextFor(serverName)),
      handshakeTimeout: deps.clientHelloTimeoutMs,
      maxHeaderListPairs: limits.maxHeadersCount + 4, // + the pseudo-headers
      settings: { maxHeaderListSize: limits.maxHeaderSize },
    });
    // Node enforces the HTTP/1.1 headers/request timeouts from a connection list it sets up on 'listening'. This
    // server never listens (connections are handed to it), so the event is emitted here; close() stops the check.
    this.terminator.emit('listening');
    this.terminator.setTimeout(limits.socketIdleTimeoutMs);
    (this.terminator as unknown as { maxHeadersCount: number }).maxHeadersCount = limits.maxHeadersCount;
    this.terminator.on('clientError', clientErrorHandler(logger));
    this.terminator.on('request', deps.request);
    this.terminator.on('upgrade', deps.upgrade);
    this.terminator.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.terminator.on('secureConnection', (socket: tls.TLSSocket) => this.track(socket));
    this.terminator.on('tlsClientError', (err: NodeJS.ErrnoException) => {
      metrics.tlsHandshakeErrors.inc({ reason: 'tls_handshake' });
      logger.debug({ code: err.code, err: err.message }, 'TLS handshake failed');
    });
  }

  /** Stops accepting; established connections are left to `drain()` and `destroyAll()`. */
  stopAccepting(): Promise<void> {
    this.terminator.close(); // not listening: this only stops the HTTP/1.1 timeout checks (see the constructor)
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  /** Asks HTTP/2 clients to stop opening streams (GOAWAY); streams in progress finish. */
  drain(): void {
    for (const session of this.sessions) session.close();
  }

  /** Cuts whatever is left: idle HTTP/1.1 keep-alive connections, sessions past the drain deadline, pending ClientHellos. */
  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.deps.passthrough.destroyAll();
  }

  /** The certificate for an SNI, from the table current at handshake time. */
  private contextFor(serverName: string): tls.SecureContext {
    const config = this.deps.store.current;
    const governing = config?.index.tlsHost(serverName)?.tls;
    if (config && governing?.mode === 'terminate' && governing.certificateId !== null) {
      const built = config.secureContexts.get(governing.certificateId);
      if (built) return built.context;
    }
    return this.deps.defaultContext;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', ignoreError);
    this.track(socket);
    readClientHello(socket, { timeoutMs: this.deps.clientHelloTimeoutMs, maxBytes: DEFAULT_MAX_CLIENT_HELLO_BYTES }).then(
      (result) => {
        if ('error' in result) return this.reject(socket, result.error);
        if (socket.destroyed) return;
        const config = this.deps.store.current;
        const governing = config?.index.tlsHost(result.hello.serverName);
        if (config && governing?.tls?.mode === 'passthrough') {
          this.deps.passthrough.relay(socket, result.buffered, config, governing.host, governing.tls.clusterId);
          return;
        }
        // Terminate: give the bytes back and let node:tls read them as if nothing had happened.
        socket.unshift(result.buffered);
        this.terminator.emit('connection', socket);
      },
      (err: Error) => {
        this.deps.logger.error({ err: err.message }, 'reading a ClientHello failed unexpectedly');
        socket.destroy();
      },
    );
  }

  private reject(socket: net.Socket, error: string): void {
    const reason = clientHelloErrorReason(error);
    this.deps.metrics.tlsHandshakeErrors.inc({ reason });
    this.deps.logger.debug({ reason, error, remoteAddress: socket.remoteAddress }, 'closing a connection without a valid ClientHello');
    if (reason !== 'client_hello_invalid' || socket.destroyed) return void socket.destroy();
    // Close cleanly: send our FIN and discard what the client still sends, so the kernel does not answer unread
    // bytes with a reset; a client that never closes its side is cut after a short while.
    socket.end();
    socket.setTimeout(1_000, () => socket.destroy());
    socket.resume();
  }
}

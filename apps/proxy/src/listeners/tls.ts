import type http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { GlobalPassthrough } from '@portico/model';
import type { ActiveConfig } from '../config/active-config.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Logger } from '../observability/logger.js';
import type { ClientCertRejectionReason, ProxyMetrics, TlsHandshakeErrorReason } from '../observability/metrics.js';
import { globalPassthroughVerdict, claimedByHost } from '../passthrough/global-passthrough.js';
import type { PassthroughRelay } from '../passthrough/relay.js';
import { serverNameOf } from '../routing/http-policy.js';
import type { ClientRequest, ClientResponse } from '../routing/http-proxy.js';
import type { UpgradeRequest } from '../routing/upgrade-proxy.js';
import { certificateFor, defaultCertificateOf } from '../tls/certificate-choice.js';
import { clientPolicy, type ClientPolicy } from '../tls/client-auth-policy.js';
import { ClientAuthServers } from '../tls/client-auth-servers.js';
import { checkClientCertificate, handshakeRejectionReason, stampClientCertSubject } from '../tls/client-verification.js';
import { DEFAULT_MAX_CLIENT_HELLO_BYTES } from '../tls/client-hello.js';
import { readClientHello, type ReadClientHelloOptions } from '../tls/read-client-hello.js';
import type { PemPair } from '../tls/default-certificate.js';
import type { BuiltContext } from '../tls/secure-contexts.js';
import { createTerminatingServer, replaceDefaultCertificate, type SniCallback } from '../tls/terminating-server.js';
import { Http1Server } from '../http1/server.js';
import { answerClientError } from './http.js';
import type { ListenerLimits } from './limits.js';

export interface TlsListenerDeps {
  store: ConfigStore;
  metrics: ProxyMetrics;
  logger: Logger;
  limits: ListenerLimits;
  clientHelloTimeoutMs: number;
  /**
   * Served without SNI, for names no TLS host claims, and for hosts whose certificate is missing or broken, unless
   * the table names a default certificate of its own (`tlsSettings.defaultCertificateId`).
   */
  defaultCertificate: PemPair;
  defaultContext: tls.SecureContext;
  passthrough: PassthroughRelay;
  request: (req: ClientRequest, res: ClientResponse) => void;
  /** HTTP/1.1 Upgrade requests (WebSocket over TLS); HTTP/2 extended CONNECT is not supported. */
  upgrade: (req: UpgradeRequest, socket: Duplex, head: Buffer) => void;
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
 * looked up in the table current at that moment, decides what happens to it:
 * - a passthrough host: relayed as raw TCP to the host's backend;
 * - a name no host claims, with global passthrough on: relayed to `<SNI>:<upstreamPort>` if the allow-list has the
 *   name, else closed;
 * - a host that requires client certificates: terminated by the server for its policy (see ClientAuthServers);
 * - anything else: terminated by the server that asks no client certificate.
 * The decision is per connection, so a new table applies to new connections and never to established ones. With
 * `tlsSettings.enabled` false, new connections are closed on accept.
 *
 * Termination is an HTTP/2 server that also speaks HTTP/1.1 (ALPN h2, http/1.1); both reach the same request
 * handler as the plain listener, with X-Forwarded-Proto https.
 */
export class TlsListener {
  /** The listening socket; bind it with `listen()`. */
  readonly server: net.Server;
  /** Terminates hosts that do not ask for client certificates. */
  private readonly plain: http2.Http2SecureServer;
  private readonly clientAuthServers: ClientAuthServers;
  /** HTTP/1.1 over TLS, for every terminating server; the verified client subject is stamped on each request. */
  private readonly http1: Http1Server;
  /** The proxy's own default certificate (option or generated). */
  private readonly fallbackCertificate: BuiltContext;
  /** The certificate the plain server's default context holds now: what a handshake without SNI gets. */
  private plainDefault: BuiltContext;
  /** The table the last connection was routed by; a new one is the cue to close unused client-auth servers. */
  private routedBy: ActiveConfig | null = null;
  /** Set by stopAccepting: a ClientHello that completes during shutdown closes its connection. */
  private stopping = false;
  /** Raw sockets from accept until close, and the TLS sockets wrapping terminated ones, for shutdown. */
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  private readonly helloOptions: ReadClientHelloOptions;

  constructor(private readonly deps: TlsListenerDeps) {
    this.helloOptions = { timeoutMs: deps.clientHelloTimeoutMs, maxBytes: DEFAULT_MAX_CLIENT_HELLO_BYTES };
    // allowHalfOpen: a passthrough relay must pass a client's FIN on rather than answer it with its own.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.http1 = new Http1Server(deps.limits, {
      request(req, res) {
        stampClientCertSubject(req);
        deps.request(req, res);
      },
      upgrade(req, socket, head) {
        stampClientCertSubject(req);
        deps.upgrade(req, socket, head);
      },
      clientError: (err, socket, inProgress) => answerClientError(deps.logger, err, socket, inProgress),
    });
    this.fallbackCertificate = { ...deps.defaultCertificate, context: deps.defaultContext };
    this.plainDefault = this.fallbackCertificate;
    const chooseCertificate = (serverName: string): BuiltContext => certificateFor(deps.store.current, serverName, this.fallbackCertificate);
    this.plain = this.createServer(undefined, (serverName, cb) => cb(null, chooseCertificate(serverName).context));
    this.clientAuthServers = new ClientAuthServers(
      (policy, SNICallback) => this.createServer(policy, SNICallback),
      chooseCertificate,
      () => deps.store.current,
      deps.logger,
    );
  }

  /** Stops accepting; established connections are left to `drain()` and `destroyAll()`. */
  stopAccepting(): Promise<void> {
    this.stopping = true;
    // The terminating servers never listen: closing them only asks their HTTP/2 sessions to finish (HTTP/1.1
    // connections are the HTTP/1.1 server's, ended by drain and destroyAll).
    this.plain.close();
    this.clientAuthServers.closeAll();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  /** Asks HTTP/2 clients to stop opening streams (GOAWAY); streams in progress finish. */
  drain(): void {
    for (const session of this.sessions) session.close();
  }

  /** Closes HTTP/1.1 connections with no request in progress; busy ones are closed after their response. */
  closeIdleConnections(): void {
    this.http1.closeIdleConnections();
  }

  /** Cuts whatever is left: idle HTTP/1.1 keep-alive connections, sessions past the drain deadline, pending ClientHellos. */
  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.deps.passthrough.destroyAll();
  }

  /** A terminating server wired to the proxy's request handling; with `policy`, one that requires client certificates. */
  private createServer(policy: ClientPolicy | undefined, SNICallback: SniCallback): http2.Http2SecureServer {
    const { deps } = this;
    const server = createTerminatingServer({
      limits: deps.limits,
      handshakeTimeoutMs: deps.clientHelloTimeoutMs,
      certificate: this.fallbackCertificate,
      SNICallback,
      clientAuth: policy,
      http1: (socket) => this.http1.accept(socket),
    });
    server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => this.track(socket));
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => this.handshakeFailed(err, socket, policy));
    if (!policy) {
      server.on('request', deps.request);
      return server;
    }
    // After routeByAlpn (an HTTP/2 session or the HTTP/1.1 server set up, neither reading before the event loop
    // turns), so a refused connection is destroyed before any request on it is read.
    server.on('secureConnection', (socket: tls.TLSSocket) => this.checkClient(socket, policy));
    const { request } = deps;
    server.on('request', (req: ClientRequest, res: ClientResponse) => {
      stampClientCertSubject(req);
      request(req, res);
    });
    return server;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', this.untrack);
  }

  /** A 'close' listener shared by every tracked socket (it runs once per socket; no wrapper or closure each). */
  private readonly untrack = ((sockets: Set<net.Socket>) =>
    function untrack(this: net.Socket): void {
      sockets.delete(this);
    })(this.sockets);

  private accept(socket: net.Socket): void {
    socket.on('error', ignoreError);
    if (this.deps.store.current?.table.tlsSettings.enabled === false) {
      // TLS is turned off: new connections are closed at once, established ones are left alone.
      this.deps.metrics.tlsConnectionsRefused.inc({ reason: 'tls_disabled' });
      socket.destroy();
      return;
    }
    this.track(socket);
    readClientHello(socket, this.helloOptions).then(
      (result) => {
        if ('error' in result) return this.reject(socket, result.error);
        if (!socket.destroyed) this.route(socket, result.hello.serverName, result.buffered);
      },
      (err: Error) => {
        this.deps.logger.error({ err: err.message }, 'reading a ClientHello failed unexpectedly');
        socket.destroy();
      },
    );
  }

  /** Decides, from the SNI and the current table, who handles a connection whose ClientHello has been read. */
  private route(socket: net.Socket, serverName: string | null, buffered: Buffer): void {
    if (this.stopping) return void socket.destroy();
    const config = this.deps.store.current;
    if (config !== this.routedBy) {
      this.routedBy = config;
      this.clientAuthServers.prune();
    }
    const governing = config?.index.tlsHost(serverName);
    const hostTls = governing?.tls;
    if (config && hostTls?.mode === 'passthrough') {
      return this.deps.passthrough.relay(socket, buffered, config, governing!.host, hostTls.clusterId);
    }
    const global = config?.table.tlsSettings.globalPassthrough;
    if (global && !governing && !(serverName && claimedByHost(config!.index, serverName))) {
      return this.passThroughGlobally(socket, buffered, global, serverName);
    }
    if (hostTls?.mode === 'terminate' && hostTls.clientAuth) {
      const server = this.clientAuthServers.take(clientPolicy(hostTls.clientAuth), socket);
      if (!server) return this.refuseClient(socket, governing!.host, 'invalid_ca');
      return this.terminate(server, socket, buffered);
    }
    this.syncPlainDefault(config);
    this.terminate(this.plain, socket, buffered);
  }

  /** Gives the bytes back and lets node:tls read them as if nothing had happened. */
  private terminate(server: http2.Http2SecureServer, socket: net.Socket, buffered: Buffer): void {
    socket.unshift(buffered);
    server.emit('connection', socket);
  }

  /**
   * Keeps the plain server's default context (the certificate for handshakes without SNI, for which SNICallback is
   * not called) on the table's default certificate. Replaced only when that changes, so a handshake costs a compare.
   */
  private syncPlainDefault(config: ActiveConfig | null): void {
    const wanted = defaultCertificateOf(config, this.fallbackCertificate);
    if (wanted === this.plainDefault) return;
    try {
      replaceDefaultCertificate(this.plain, wanted);
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, 'could not switch the default certificate; keeping the previous one');
    }
    this.plainDefault = wanted; // also on failure: not retried on every connection
  }

  private passThroughGlobally(socket: net.Socket, buffered: Buffer, settings: GlobalPassthrough, serverName: string | null): void {
    const verdict = globalPassthroughVerdict(settings, serverName);
    if (verdict.action === 'relay') return this.deps.passthrough.relayToName(socket, buffered, verdict.name, verdict.port, verdict.pattern);
    this.deps.metrics.passthroughRefused.inc({ reason: verdict.reason });
    // The name is client input, but readClientHello only accepts host-name characters, so it is safe to log.
    this.deps.logger.info({ serverName, reason: verdict.reason }, 'global passthrough: name not allowed; closing the connection');
    socket.destroy();
  }

  /** After the handshake on a client-auth server: what Node cannot check (depth), then the connection proceeds. */
  private checkClient(socket: tls.TLSSocket, policy: ClientPolicy): void {
    const reason = checkClientCertificate(socket, policy);
    if (reason !== null) this.refuseClient(socket, this.hostLabel(socket), reason);
  }

  private refuseClient(socket: net.Socket, host: string, reason: ClientCertRejectionReason): void {
    this.deps.metrics.clientCertRejections.inc({ host, reason });
    this.deps.logger.debug({ host, reason, remoteAddress: socket.remoteAddress }, 'client certificate refused; closing the connection');
    socket.destroy();
  }

  private handshakeFailed(err: NodeJS.ErrnoException, socket: tls.TLSSocket, policy: ClientPolicy | undefined): void {
    const reason = policy ? handshakeRejectionReason(err, socket) : null;
    if (reason !== null) {
      this.deps.metrics.clientCertRejections.inc({ host: this.hostLabel(socket), reason });
      this.deps.logger.debug({ code: err.code, authorizationError: socket.authorizationError, reason }, 'client certificate refused in the handshake');
      return;
    }
    this.deps.metrics.tlsHandshakeErrors.inc({ reason: 'tls_handshake' });
    this.deps.logger.debug({ code: err.code, err: err.message }, 'TLS handshake failed');
  }

  /** The metric label for a terminated connection: its SNI's host in the current table (bounded by the table). */
  private hostLabel(socket: tls.TLSSocket): string {
    return this.deps.store.current?.index.tlsHost(serverNameOf(socket))?.host ?? 'unknown';
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

import { constants } from 'node:crypto';
import http2 from 'node:http2';
import type tls from 'node:tls';
import { http1ServerOptions, type ListenerLimits } from '../listeners/http.js';
import type { ClientPolicy } from './client-auth-policy.js';
import type { PemPair } from './default-certificate.js';

/** Called with the TLS socket as `this` by Node (see ClientAuthServers, which relies on it to capture chains). */
export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;

export interface TerminatingServerOptions {
  limits: ListenerLimits;
  handshakeTimeoutMs: number;
  /** Served to clients that send no SNI (SNICallback is not called for them). */
  certificate: PemPair;
  SNICallback: SniCallback;
  /** Require a client certificate that chains to these CAs; the handshake fails without one. */
  clientAuth?: ClientPolicy;
}

/**
 * A TLS-terminating HTTP/2 server that also speaks HTTP/1.1 (ALPN h2, http/1.1). It never listens: the TLS listener
 * hands it connections whose ClientHello it has already read. Request handling is wired by the caller.
 */
export function createTerminatingServer(options: TerminatingServerOptions): http2.Http2SecureServer {
  const { limits, clientAuth } = options;
  const server = http2.createSecureServer({
    // HTTP/1.1 over TLS gets the plain listener's parser strictness and timeouts (Node applies these options
    // to allowHTTP1 connections; @types/node does not list them).
    ...(http1ServerOptions(limits) as object),
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    cert: options.certificate.certPem,
    key: options.certificate.keyPem,
    SNICallback: options.SNICallback,
    handshakeTimeout: options.handshakeTimeoutMs,
    maxHeaderListPairs: limits.maxHeadersCount + 4, // + the pseudo-headers
    settings: { maxHeaderListSize: limits.maxHeaderSize },
    ...(clientAuth ? clientAuthOptions(clientAuth) : {}),
  });
  // Node enforces the HTTP/1.1 headers/request timeouts from a connection list it sets up on 'listening'. This
  // server never listens (connections are handed to it), so the event is emitted here; close() stops the check.
  server.emit('listening');
  server.setTimeout(limits.socketIdleTimeoutMs);
  (server as unknown as { maxHeadersCount: number }).maxHeadersCount = limits.maxHeadersCount;
  return server;
}

function clientAuthOptions(policy: ClientPolicy): http2.SecureServerOptions {
  return {
    requestCert: true,
    rejectUnauthorized: true,
    ca: policy.caPem,
    // No session resumption: a resumed session skips the client's certificate, and with it the depth check that
    // runs after the handshake (a ticket is issued before that check could refuse the connection). Tickets are
    // also per server (each has its own keys), so a session from a server without client auth never resumes here.
    secureOptions: constants.SSL_OP_NO_TICKET,
    // Distinct per policy, so that no session cache could ever mix policies.
    sessionIdContext: policy.key.slice(0, 32),
  };
}

/**
 * Makes `certificate` what clients without SNI get from a server without client auth. Only the server's default
 * context changes (SNI handshakes pick theirs in SNICallback); its session ticket keys are kept so sessions survive.
 */
export function replaceDefaultCertificate(server: http2.Http2SecureServer, certificate: PemPair): void {
  server.setSecureContext({ cert: certificate.certPem, key: certificate.keyPem, ticketKeys: server.getTicketKeys() });
}

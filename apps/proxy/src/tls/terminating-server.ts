import { constants } from 'node:crypto';
import http2 from 'node:http2';
import type tls from 'node:tls';
import type { ListenerLimits } from '../listeners/limits.js';
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
  /** Takes a connection whose client chose HTTP/1.1 (or nothing) in ALPN: the proxy's HTTP/1.1 server. */
  http1: (socket: tls.TLSSocket) => void;
}

/**
 * A TLS-terminating HTTP/2 server that also speaks HTTP/1.1 (ALPN h2, http/1.1). It never listens: the TLS listener
 * hands it connections whose ClientHello it has already read. HTTP/2 request handling is wired by the caller;
 * HTTP/1.1 connections go to `options.http1`.
 */
export function createTerminatingServer(options: TerminatingServerOptions): http2.Http2SecureServer {
  const { limits, clientAuth } = options;
  const server = http2.createSecureServer({
    // allowHTTP1 makes Node offer http/1.1 in ALPN; the connections themselves are taken over below.
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
  server.setTimeout(limits.socketIdleTimeoutMs);
  takeOverHttp1(server, options.http1);
  return server;
}

/**
 * Node's http2 server hands a connection that did not choose h2 to node:http. Its own 'secureConnection' listener
 * (the only one at this point) is kept for h2 and bypassed for everything else, which goes to the proxy's HTTP/1.1
 * server: one HTTP/1.1 implementation, with the same strictness and limits, on the plain and the TLS port.
 */
function takeOverHttp1(server: http2.Http2SecureServer, http1: (socket: tls.TLSSocket) => void): void {
  const [http2Listener] = server.listeners('secureConnection') as Array<(this: http2.Http2SecureServer, socket: tls.TLSSocket) => void>;
  if (!http2Listener) throw new Error('node:http2 registered no secureConnection listener');
  server.removeListener('secureConnection', http2Listener);
  server.on('secureConnection', function routeByAlpn(this: http2.Http2SecureServer, socket: tls.TLSSocket) {
    if (socket.alpnProtocol === 'h2') http2Listener.call(this, socket);
    else http1(socket);
  });
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

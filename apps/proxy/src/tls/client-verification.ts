import type tls from 'node:tls';
import type { ClientCertRejectionReason } from '../observability/metrics.js';
import { CLIENT_CERT_SUBJECT } from '../routing/forwarded-headers.js';
import type { ClientPolicy } from './client-auth-policy.js';
import { clientChainOf, issuerDepth } from './client-chain.js';
import { rfc4514Subject } from './client-subject.js';

/** The verified client certificate's subject, kept on the TLS socket for the requests that follow. */
const VERIFIED_SUBJECT = Symbol('portico.verifiedClientSubject');

type SubjectCarrier = { [VERIFIED_SUBJECT]?: string };

/**
 * The checks Node cannot make, on a connection whose handshake under `policy` has just completed (Node has already
 * refused a missing or untrusted certificate): the verify depth, then the subject is recorded for
 * X-Client-Cert-Subject. Returns why the connection must be refused, or null when it may proceed.
 */
export function checkClientCertificate(socket: tls.TLSSocket, policy: ClientPolicy): ClientCertRejectionReason | null {
  if (!socket.authorized) return 'untrusted'; // not reached with rejectUnauthorized; kept so it can never pass
  const chain = clientChainOf(socket);
  const depth = chain ? issuerDepth(chain, policy.trusted) : undefined;
  if (depth === undefined) return 'chain_unknown';
  if (depth > policy.verifyDepth) return 'depth';
  (socket as SubjectCarrier)[VERIFIED_SUBJECT] = rfc4514Subject(socket.getPeerX509Certificate()?.subject ?? '');
  return null;
}

/**
 * On a server with client auth, before a request (or upgrade) is handled: hands the connection's verified subject
 * to upstreamRequestHeaders through the request's headers object. For HTTP/2, `req.socket` is Node's proxy to the
 * session's TLS socket, which forwards property reads, symbols included.
 */
export function stampClientCertSubject(req: { readonly headers: object; readonly socket: unknown }): void {
  const subject = (req.socket as SubjectCarrier)[VERIFIED_SUBJECT];
  if (subject !== undefined) (req.headers as { [CLIENT_CERT_SUBJECT]?: string })[CLIENT_CERT_SUBJECT] = subject;
}

/** A failed handshake on a server with client auth that is the client certificate's fault, by reason; else null. */
export function handshakeRejectionReason(err: NodeJS.ErrnoException, socket: tls.TLSSocket): ClientCertRejectionReason | null {
  if (err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no_certificate';
  // Node destroys a socket whose certificate failed verification and reports it as a reset; the reason is here.
  if (socket.authorizationError) return 'untrusted';
  return null;
}

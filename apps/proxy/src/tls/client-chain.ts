import tls from 'node:tls';

/** The chain a client presented, as `getPeerCertificate(true)` returned it before Node could alter it. */
const CAPTURED_CHAIN = Symbol('portico.capturedClientChain');

type ChainCarrier = tls.TLSSocket & { [CAPTURED_CHAIN]?: tls.DetailedPeerCertificate };

/** Longest chain walked; a verify depth is at most 10, so anything longer is refused anyway. */
const MAX_WALK = 16;

/**
 * Installs the capture of the client's certificate chain on a server-side TLS socket before its handshake ends.
 *
 * Why this exists: Node 24.21 (nodejs/node#65579, fixed by nodejs/node#65602) drops the intermediates a client sent
 * from `getPeerCertificate(true)` once its own post-handshake check has read the peer certificate, so by
 * 'secureConnection' only the leaf (and a CA from the trust store) is left. A 'secure' listener placed before
 * Node's own (prepended) still sees the whole chain. It only records it: authorisation has not been decided yet at
 * that point, and destroying a socket inside 'secure' would break Node's own listener that runs next.
 */
export function captureClientChainOnHandshake(socket: tls.TLSSocket): void {
  socket.prependOnceListener('secure', captureChain);
}

function captureChain(this: ChainCarrier): void {
  this[CAPTURED_CHAIN] = this.getPeerCertificate(true);
}

/** The client's chain: the captured one when the capture ran, else what Node returns now (fixed Node versions). */
export function clientChainOf(socket: tls.TLSSocket): tls.DetailedPeerCertificate | undefined {
  const captured = (socket as ChainCarrier)[CAPTURED_CHAIN];
  if (captured) {
    (socket as ChainCarrier)[CAPTURED_CHAIN] = undefined; // read once, right after the handshake
    return captured;
  }
  const now = socket.getPeerCertificate(true);
  return now && Object.keys(now).length > 0 ? now : undefined;
}

/**
 * How many issuers lie between the client's certificate and the first trusted CA on its chain: 1 when a trusted CA
 * issued it directly, 0 when the certificate itself is trusted. Undefined when the chain does not reach a trusted
 * CA: OpenSSL verified that one exists, so this means the chain was not available in full, and the caller refuses
 * rather than guess.
 *
 * The chain is the one Node links from the certificates the client sent and from the trust store, each issuer
 * found by name and key identifier, so it is the path OpenSSL verified or one at least as long.
 */
export function issuerDepth(leaf: tls.DetailedPeerCertificate, trusted: ReadonlySet<string>): number | undefined {
  let cert = leaf;
  for (let depth = 0; depth <= MAX_WALK; depth++) {
    if (trusted.has(cert.fingerprint256)) return depth;
    const issuer = cert.issuerCertificate as tls.DetailedPeerCertificate | undefined;
    // A self-signed certificate is its own issuer (Node links it to itself): the chain ends there.
    if (!issuer || issuer === cert || issuer.fingerprint256 === cert.fingerprint256) return undefined;
    cert = issuer;
  }
  return undefined;
}

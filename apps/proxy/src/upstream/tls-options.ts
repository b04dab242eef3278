import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { Certificate, UpstreamTls } from '@portico/model';
import type { Logger } from '../observability/logger.js';

/**
 * How the proxy connects to a TLS upstream, resolved from a cluster's `upstreamTls` and the table's certificates.
 * `connect` carries key material (through its SecureContext): hand it to node:tls, never to a logger.
 */
export interface UpstreamTlsTarget {
  /**
   * A digest of every parameter (name, verification, CA, client certificate and key). It is part of connection-pool
   * keys: unchanged parameters keep their pooled connections across generations, a rotated CA or client
   * certificate gets fresh ones. A digest, so pool keys never carry the PEM itself.
   */
  readonly fingerprint: string;
  readonly serverName: string;
  readonly verify: boolean;
  /** Options for tls.connect / https.Agent / http2.connect (no host or port). */
  readonly connect: Readonly<tls.ConnectionOptions>;
  /**
   * Why these settings cannot be used (a CA or client certificate that does not parse), or null. Requests to the
   * cluster then fail with 502 rather than falling back to something weaker, like no client certificate.
   */
  readonly error: string | null;
}

/**
 * Resolves `spec`, reusing the target built for the same parameters in an earlier generation (`previous`, by
 * fingerprint): parsing a CA bundle and a key is the costly part, and it is done once per distinct set of parameters
 * rather than once per connection.
 */
export function resolveUpstreamTls(
  clusterId: string,
  spec: UpstreamTls,
  certificates: ReadonlyMap<string, Certificate>,
  previous: ReadonlyMap<string, UpstreamTlsTarget>,
  logger: Logger,
): UpstreamTlsTarget {
  const clientCert = spec.clientCertificateId === undefined ? undefined : certificates.get(spec.clientCertificateId);
  const missingClientCert = spec.clientCertificateId !== undefined && clientCert === undefined;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([spec.serverName, spec.verify, spec.caPem ?? null, clientCert?.certPem ?? null, clientCert?.keyPem ?? null, missingClientCert]))
    .digest('hex')
    .slice(0, 32);
  const reused = previous.get(fingerprint);
  if (reused) return reused;

  const { serverName, verify } = spec;
  let error: string | null = null;
  let secureContext: tls.SecureContext | undefined;
  if (missingClientCert) {
    error = `client certificate ${spec.clientCertificateId} is not in the table`;
  } else {
    try {
      // No `ca`: the platform's trusted roots, as for any TLS client.
      secureContext = tls.createSecureContext({ ca: spec.caPem, cert: clientCert?.certPem, key: clientCert?.keyPem });
    } catch (err) {
      // OpenSSL's message names the failing routine, never the key.
      error = `upstream TLS settings do not load: ${(err as Error).message}`;
    }
  }
  if (error !== null) logger.error({ clusterId, clientCertificateId: spec.clientCertificateId, err: error }, 'upstream TLS settings unusable; requests to this cluster answer 502');

  const connect: tls.ConnectionOptions = {
    // RFC 6066 forbids an IP address as SNI (Node ignores it with a warning). The empty string also keeps http.Agent
    // from deriving SNI from the client's Host header.
    servername: isIP(serverName) ? '' : serverName,
    secureContext,
    rejectUnauthorized: verify,
    // Node would check the name it connected to, which is the endpoint's IP; the certificate must match serverName.
    ...(verify ? { checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(serverName, cert) } : {}),
  };
  return { fingerprint, serverName, verify, connect, error };
}

/** The table's certificates by id, built only when a cluster presents a client certificate. */
export function certificatesById(certificates: readonly Certificate[]): Map<string, Certificate> {
  return new Map(certificates.map((c) => [c.id, c]));
}

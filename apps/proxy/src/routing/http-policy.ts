import { normalizeHost } from '@portico/matcher';
import type { ActiveConfig } from '../config/active-config.js';
import { clientPolicyKeyOf } from '../tls/client-auth-policy.js';
import { splitRequestTarget } from './request-target.js';

/** Route label for requests answered by a host's http policy (metrics and access log). */
export const HTTP_POLICY_ROUTE = 'http-policy';

export type PlainHttpVerdict =
  | { action: 'redirect'; location: string; hostLabel: string }
  | { action: 'reject'; hostLabel: string }
  | null;

/**
 * What a plain-HTTP request for a TLS host gets (`VirtualHost.tls.httpPolicy`); null means proxy as usual.
 *
 * The host is looked up with `tlsHost`, the same rule that picks the certificate for an SNI (exact host with TLS,
 * else its wildcard with TLS), rather than taken from the route that would match: the policy is a property of the
 * host, so it applies to every path, including paths no route of that host matches, and a host-less (`*`) route
 * cannot lift it.
 */
export function plainHttpVerdict(config: ActiveConfig, url: string, hostHeader: string | undefined, httpsPort: number): PlainHttpVerdict {
  if (!config.hasTlsHosts) return null;
  const target = splitRequestTarget(url, hostHeader);
  const vhost = config.index.tlsHost(target.host);
  if (!vhost?.tls) return null;
  switch (vhost.tls.httpPolicy) {
    case 'allow':
      return null;
    case 'reject':
      return { action: 'reject', hostLabel: vhost.host };
    case 'redirect': {
      // The normalised host (lower-case, port and trailing dot removed) is what the TLS host matched, and the only
      // client-supplied part of the authority that goes into Location; the path and query are kept as sent.
      const host = normalizeHost(target.host);
      const port = httpsPort === 443 ? '' : `:${httpsPort}`;
      return { action: 'redirect', location: `https://${host}${port}${target.rawPath}${target.query}`, hostLabel: vhost.host };
    }
  }
}

/**
 * On a terminated TLS connection, a request may name a host other than the SNI (HTTP/2 connection reuse across
 * names a certificate covers, or a deliberate mismatch). It is served only if the host it names is under the same
 * client policy as the connection's SNI host; otherwise it gets 421 Misdirected Request (RFC 9110 §15.5.20), which
 * tells the client to retry on a connection of its own:
 * - a passthrough host is never served from a connection the proxy terminated for another host: its traffic
 *   belongs to its backend's TLS;
 * - a host that requires a client certificate is never served from a connection opened for a host with another
 *   policy (none, other CAs, another depth), which would skip its verification (SNI of a host without mTLS,
 *   `Host:` of one with it); and the reverse, so a verified subject only goes to hosts that asked for one.
 * Policies compare by value (trusted CAs and depth), so hosts sharing a policy share connections.
 *
 * Both hosts are looked up in the current table. A request for the connection's own SNI host is always served, even
 * if that host's settings changed since: a new table applies to new connections, not to established ones.
 */
export function isMisdirected(config: ActiveConfig, host: string | undefined, serverName: string | null | undefined): boolean {
  if (!config.hasTlsHosts) return false;
  const governing = config.index.tlsHost(host);
  const connection = config.index.tlsHost(serverName);
  if (governing === connection) return false;
  if (governing?.tls?.mode === 'passthrough') return true;
  return clientPolicyKeyOf(governing) !== clientPolicyKeyOf(connection);
}

/** The SNI a terminated connection was opened with (TLSSocket.servername; false or undefined without SNI). */
export function serverNameOf(socket: unknown): string | null {
  const name = (socket as { servername?: unknown }).servername;
  return typeof name === 'string' ? name : null;
}

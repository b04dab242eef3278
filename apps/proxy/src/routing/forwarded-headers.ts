import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus the non-standard ones still seen in the wild. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Headers a client could use to spoof what the proxy states about the connection; always overwritten. */
const PROXY_SET = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);

/** Headers listed in a `Connection` header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(connection: string | string[] | undefined): Set<string> | null {
  if (!connection) return null;
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  const tokens = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens.size > 0 ? tokens : null;
}

/**
 * Copies end-to-end headers only. HTTP/2 pseudo-headers (`:method`, `:authority`...) are dropped too: the upstream
 * speaks HTTP/1.1, where they are not headers at all (and Node would refuse to send them).
 */
export function stripHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name) || name.charCodeAt(0) === 58 /* ':' */) continue;
    out[name] = headers[name];
  }
  return out;
}

export interface ForwardingFacts {
  clientIp: string;
  /** The local port the client connected to. */
  localPort: number | undefined;
  proto: 'http' | 'https';
}

/**
 * The headers sent upstream: end-to-end headers as the client sent them (Host included), plus X-Forwarded-*.
 * For an upgrade, `Upgrade` and `Connection: Upgrade` are kept since they are the point of the request.
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, facts: ForwardingFacts, upgrade: boolean): OutgoingHttpHeaders {
  const out = stripHopByHop(headers);
  // HTTP/2 carries the host in :authority (RFC 9113 §8.3.1); the HTTP/1.1 upstream needs it as Host.
  const authority = headers[':authority'];
  if (typeof authority === 'string') out.host = authority;
  for (const name of PROXY_SET) delete out[name];
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.clientIp}` : facts.clientIp;
  out['x-forwarded-proto'] = facts.proto;
  if (out.host !== undefined) out['x-forwarded-host'] = out.host;
  if (facts.localPort !== undefined) out['x-forwarded-port'] = String(facts.localPort);
  if (upgrade && headers.upgrade) {
    out.upgrade = headers.upgrade;
    out.connection = 'Upgrade';
  }
  return out;
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) → `10.0.0.1`. */
export function clientIpOf(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

/** The host a request names: HTTP/2's `:authority` when present, else the Host header. */
export function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const authority = headers[':authority'];
  return typeof authority === 'string' ? authority : headers.host;
}

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

/** Headers a client could use to spoof what the proxy states about the connection; always overwritten or removed. */
const PROXY_SET = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-client-cert-subject']);

/**
 * Where the TLS listener puts the verified client certificate's subject (RFC 4514) on a request's headers object.
 * A symbol, so no client can send it and header iteration never sees it; upstreamRequestHeaders turns it into
 * X-Client-Cert-Subject, and only it, so the header exists upstream exactly when the proxy verified a certificate.
 */
export const CLIENT_CERT_SUBJECT: unique symbol = Symbol('portico.clientCertSubject');

/** Request headers as the listeners hand them on: what the client sent, plus what the proxy verified. */
type ReceivedHeaders = IncomingHttpHeaders & { [CLIENT_CERT_SUBJECT]?: string };

const USUAL_CONNECTION_VALUES = new Set(['keep-alive', 'close']);

/** Headers listed in a `Connection` header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(connection: string | string[] | undefined): Set<string> | null {
  if (!connection) return null;
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  // The usual values name no other header (keep-alive is hop-by-hop already): no split per request for them.
  if (value.length <= 10 && USUAL_CONNECTION_VALUES.has(value.toLowerCase())) return null;
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

/**
 * The headers node:http keeps only the first of when a message repeats them (`matchKnownFields` in Node's
 * lib/_http_incoming.js): a second Content-Type or Location is dropped rather than relayed for the client to choose.
 */
export const FIRST_VALUE_ONLY = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

/**
 * An HTTP/1.1 upstream response's header lines (name, value, name, value... as llhttp reads them) as relayed, in one
 * pass: names lower-cased, end-to-end only, and a repeated single-value header reduced to its first value, as
 * node:http reads it. Other repeated headers (Set-Cookie, Vary...) stay separate lines, which means the same as one
 * comma-joined line.
 */
export function relayedResponseHeaders(lines: readonly string[]): OutgoingHttpHeaders {
  let connection: string[] | undefined;
  for (let i = 0; i < lines.length; i += 2) {
    if (lines[i]!.length === 10 && lines[i]!.toLowerCase() === 'connection') (connection ??= []).push(lines[i + 1]!);
  }
  const named = connectionTokens(connection);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < lines.length; i += 2) {
    const name = lines[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = lines[i + 1]!;
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else if (FIRST_VALUE_ONLY.has(name)) continue;
    else if (Array.isArray(prior)) prior.push(value);
    else out[name] = [prior, value];
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
 * The headers sent upstream: end-to-end headers as the client sent them (Host included), plus X-Forwarded-*, and
 * X-Client-Cert-Subject when the connection presented a verified client certificate (any copy a client sent is
 * dropped, on every listener). For an upgrade, `Upgrade` and `Connection: Upgrade` are kept since they are the
 * point of the request.
 */
export function upstreamRequestHeaders(headers: ReceivedHeaders, facts: ForwardingFacts, upgrade: boolean): OutgoingHttpHeaders {
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
  const clientCertSubject = headers[CLIENT_CERT_SUBJECT];
  if (clientCertSubject !== undefined) out['x-client-cert-subject'] = clientCertSubject;
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

import type http from 'node:http';
import http2 from 'node:http2';
import { stripHopByHop, upstreamRequestHeaders, type ForwardingFacts } from './forwarded-headers.js';

/**
 * The HTTP/2 specifics of forwarding to an h2 (gRPC) upstream: the request header block, trailers-only responses and
 * trailers. The request's life cycle (timeouts, errors, logging) is the same as for HTTP/1.1 and stays in http-proxy.
 */

const { NGHTTP2_FLAG_END_STREAM, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** A request as both HTTP/1.1 and HTTP/2 (compatibility API) clients hand it over. */
interface ClientRequestLike {
  readonly method?: string;
  readonly headers: http.IncomingHttpHeaders;
}
/** What both response kinds offer for relaying a response whose headers and trailers are set piecemeal. */
interface ClientResponseLike {
  statusCode: number;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  end(): unknown;
}

/** `te: trailers, deflate;q=0.5` → true. */
function acceptsTrailers(te: string | string[] | undefined): boolean {
  if (te === undefined) return false;
  for (const token of (Array.isArray(te) ? te.join(',') : te).split(',')) {
    if (token.split(';')[0]!.trim().toLowerCase() === 'trailers') return true;
  }
  return false;
}

/**
 * The header block for the upstream: method, the proxy's (normalised, rewritten) path, `:authority` from the
 * request's host, end-to-end headers and X-Forwarded-*. `:scheme` is left to Node, which sets the session's.
 */
export function h2RequestHeaders(req: ClientRequestLike, path: string, facts: ForwardingFacts): http2.OutgoingHttpHeaders {
  const out = upstreamRequestHeaders(req.headers, facts, false) as http2.OutgoingHttpHeaders;
  // upstreamRequestHeaders states the host as HTTP/1.1 does; HTTP/2 carries it in :authority (RFC 9113 §8.3.1).
  // Without one, Node uses the session's authority (the endpoint).
  const host = out.host;
  delete out.host;
  // HTTP2-Settings belongs to an HTTP/1.1 h2c upgrade; Node refuses to send it (like every connection header).
  delete out['http2-settings'];
  out[':method'] = req.method ?? 'GET';
  out[':path'] = path;
  if (host !== undefined) out[':authority'] = String(host);
  // TE is hop-by-hop and stripped above, but HTTP/2 allows exactly `te: trailers` end to end, and gRPC servers insist
  // on it: it tells them the client (and every proxy on the way) will pass trailers, where gRPC puts the status.
  if (acceptsTrailers(req.headers.te)) out.te = 'trailers';
  return out;
}

/** The upstream's HEADERS frame ended the stream: a response without body (HEAD, 204, a gRPC trailers-only status). */
export function endsStream(flags: number): boolean {
  return (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
}

/**
 * Answers with status and headers only. The headers are set and `end()` called without `writeHead` first: that is
 * how the HTTP/2 compatibility API sends them in one HEADERS frame that ends the stream. gRPC clients read a status
 * from such a frame only when it ends the stream ("trailers-only"); headers followed by an empty body would be a call
 * without status to them.
 */
export function respondWithoutBody(res: ClientResponseLike, status: number, headers: http.OutgoingHttpHeaders): void {
  res.statusCode = status;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
  res.end();
}

/**
 * Passes the upstream's trailers (gRPC's `grpc-status`, `grpc-message`) on. An HTTP/2 client gets them as a trailing
 * HEADERS frame; an HTTP/1.1 client gets them only on a chunked response, Node drops them otherwise.
 */
export function relayTrailers(res: { addTrailers(headers: http.OutgoingHttpHeaders): void }, trailers: http.IncomingHttpHeaders): void {
  res.addTrailers(stripHopByHop(trailers));
}

/**
 * The upstream refused the stream (REFUSED_STREAM, or it was above the last stream a GOAWAY accepted): HTTP/2
 * guarantees it was not processed, so it may be sent again.
 */
export function wasRefused(stream: http2.ClientHttp2Stream): boolean {
  return stream.rstCode === NGHTTP2_REFUSED_STREAM;
}

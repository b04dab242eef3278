import http from 'node:http';
import type http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import {
  classifyUpstreamError,
  logUpstreamFailure,
  UPSTREAM_TLS_UNUSABLE_MESSAGE,
  upstreamFailureMessage,
  upstreamFailureStatus,
} from '../upstream/upstream-errors.js';
import { UPSTREAM_CLOSED, type UpstreamConnection, type UpstreamHandler } from '../upstream/http1/upstream-connection.js';
import type { H2Endpoint, Http1Endpoint } from '../upstream/upstream-registry.js';
import { clientIpOf, relayedResponseHeaders, requestHost, stripHopByHop, upstreamRequestHeaders, type ForwardingFacts } from './forwarded-headers.js';
import { endsStream, h2RequestHeaders, relayTrailers, respondWithoutBody, wasRefused } from './h2-forward.js';
import { HTTP_POLICY_ROUTE, isMisdirected, plainHttpVerdict, serverNameOf } from './http-policy.js';
import { Http1Request } from '../http1/request.js';
import { Http1Response } from '../http1/response.js';
import { NO_CONFIG_MESSAGE, NO_ENDPOINTS_MESSAGE, type ProxyContext } from './proxy-context.js';
import { UNMATCHED, resolveRoute } from './resolve-route.js';

const EXCHANGE = Symbol('portico.exchange');
/**
 * The codes of a connection that broke before the response: an idle pooled connection the upstream closed just as it
 * was reused, or one reset. A response the proxy refuses (HPE_*, a 101 nobody asked for) is not a break.
 */
const BROKEN_CONNECTION = new Set([UPSTREAM_CLOSED, 'ECONNRESET', 'EPIPE']);

/**
 * A client request: HTTP/1.1 (the proxy's own server: plain listener, or TLS with ALPN http/1.1) or HTTP/2's
 * compatibility API (TLS with ALPN h2). The two share what this module uses; HTTP/2 differences (host in
 * `:authority`, pseudo-headers) are handled in forwarded-headers.
 */
export type ClientRequest = Http1Request | http2.Http2ServerRequest;
export type ClientResponse = Http1Response | http2.Http2ServerResponse;

/** Both response types accept `(status, headers)`; TypeScript cannot call the union of their overloads. */
function writeHead(res: ClientResponse, status: number, headers: http.OutgoingHttpHeaders): void {
  (res as Http1Response).writeHead(status, headers);
}
type Carrier = { [EXCHANGE]?: Exchange };

/**
 * One client request and its upstream counterpart. Event handlers are module-level functions that find their
 * exchange through a symbol on the emitter, so a request costs one object rather than a set of closures; for an
 * HTTP/1.1 upstream the exchange is itself the upstream connection's handler, for the same reason.
 */
class Exchange implements UpstreamHandler {
  readonly started = performance.now();
  readonly clientIp: string;
  path: string;
  hostLabel = UNMATCHED;
  routeId = UNMATCHED;
  clusterId: string | null = null;
  endpoint: Http1Endpoint | H2Endpoint | null = null;
  /** The HTTP/2 upstream stream. */
  upstreamStream: http2.ClientHttp2Stream | null = null;
  /** The connection carrying the HTTP/1.1 upstream request, until the request is over or abandoned. */
  upstream: UpstreamConnection | null = null;
  /** The client went away before the response was complete. */
  clientGone = false;
  /** The client response refused a write: the upstream is paused until it drains (one listener, however many refusals). */
  awaitingDrain = false;
  timer: NodeJS.Timeout | undefined;
  bytes = 0;
  timedOut = false;
  released = false;
  retried = false;
  upstreamPath = '';

  constructor(
    readonly ctx: ProxyContext,
    readonly req: ClientRequest,
    readonly res: ClientResponse,
  ) {
    this.clientIp = clientIpOf(req.socket.remoteAddress);
    this.path = req.url ?? '';
  }

  /** Answers locally (no upstream) with a short plain-text body. */
  replyLocally(status: number, message: string): void {
    const body = message + '\n';
    this.bytes = Buffer.byteLength(body);
    writeHead(this.res, status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': this.bytes });
    this.res.end(body);
  }

  /** 308 keeps the method and body, unlike 301/302, so a POST sent over plain HTTP is re-sent as a POST. */
  redirect(location: string): void {
    writeHead(this.res, 308, { location, 'content-length': 0 });
    this.res.end();
  }
  forward(endpoint: Http1Endpoint | H2Endpoint, upstreamPath: string): void {
    this.endpoint = endpoint;
    endpoint.inFlight++;
    this.upstreamPath = upstreamPath;
    this.timer = setTimeout(onUpstreamTimeout, this.ctx.upstreamTimeoutMs, this);
    this.send();
  }

  private forwardingFacts(): ForwardingFacts {
    const { req, ctx } = this;
    return { clientIp: this.clientIp, localPort: ctx.listenerPort ?? req.socket.localPort, proto: ctx.proto };
  }

  private send(): void {
    const endpoint = this.endpoint!;
    if (endpoint.kind === 'h2') return this.sendH2(endpoint);
    const { req } = this;
    const headers = upstreamRequestHeaders(req.headers, this.forwardingFacts(), false);
    // The client has had its 100 Continue from the listener; the upstream gets the body without being asked.
    delete headers.expect;
    const body = this.retried || hasNoBody(req) ? null : bodyOf(req);
    const connection = endpoint.pool.request({ method: req.method ?? 'GET', target: this.upstreamPath, headers, body }, this);
    // A request that could not be sent (a header value it cannot carry) has reported its error already.
    if (connection?.carries(this)) this.upstream = connection;
  }

  // The upstream connection's handler (HTTP/1.1 upstreams). A retry sends again only after the previous attempt
  // reported its error, so callbacks never interleave between attempts.
  onRequestSent(): void {
    // The timeout covers waiting for response headers; restart it once the body is sent so a slow upload is not a 504.
    if (this.timer && !this.timedOut && !this.res.headersSent) this.timer.refresh();
  }

  // 1xx (102, 103) never come here (the connection skips them), and the wait for the final answer stays bounded by
  // the timer.
  onResponseStart(status: number, headerLines: string[]): void {
    clearTimeout(this.timer);
    try {
      writeHead(this.res, status, relayedResponseHeaders(headerLines));
    } catch (err) {
      // Node's HTTP/2 response keeps the headers it refused (a repeated Date): dropped, or the 502 would throw too.
      // Its removeHeader('date') only stops it adding its own, so a Date of the proxy's replaces the upstream's.
      const { res } = this;
      if (!(res instanceof Http1Response) && !res.headersSent) {
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        if (res.hasHeader('date')) res.setHeader('date', new Date().toUTCString());
      }
      throw err;
    }
  }

  onResponseData(chunk: Buffer): void {
    this.bytes += chunk.length;
    // Both response types take (chunk) and emit 'drain'; TypeScript cannot call the union of their overloads.
    const res = this.res as Http1Response;
    if (!res.write(chunk) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.upstream?.pause(this);
      res.once('drain', onClientDrain);
    }
  }

  onResponseEnd(): void {
    this.upstream = null;
    this.release();
    this.res.end();
  }

  onResponseError(err: NodeJS.ErrnoException): void {
    this.upstream = null;
    if (this.shouldRetryHttp1(err)) {
      this.retried = true;
      this.moveOffRetiredEndpoint();
      this.send();
      return;
    }
    this.release();
    clearTimeout(this.timer);
    this.answerFailure(err);
  }

  /** As `send`, on a stream of the endpoint's HTTP/2 session (h2c, or h2 over TLS). */
  private sendH2(endpoint: H2Endpoint): void {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = endpoint.origin.request(h2RequestHeaders(this.req, this.upstreamPath, this.forwardingFacts()));
    } catch (err) {
      // Headers HTTP/2 cannot carry, or a session destroyed under our feet: nothing reached the upstream.
      this.upstreamStream = null;
      this.release();
      this.answerFailure(err as NodeJS.ErrnoException);
      return;
    }
    (stream as Carrier)[EXCHANGE] = this;
    this.upstreamStream = stream;
    stream.on('response', onH2Response);
    stream.on('trailers', onH2Trailers);
    stream.on('error', onH2Error);
    stream.on('close', onH2Close);
    stream.on('finish', onH2RequestSent);
    if (this.retried || hasNoBody(this.req)) stream.end();
    else bodyOf(this.req).pipe(stream);
  }

  /**
   * A bodiless idempotent request is sent once more rather than failed when the upstream connection broke before any
   * response. Over HTTP/1.1 that is any such break, on a pooled connection the upstream closed just as it was reused
   * or on a fresh one, as nginx's default `proxy_next_upstream error` does for idempotent requests; a response the
   * proxy refuses is not a break and is not retried. Over HTTP/2,
   * only a stream the upstream refused (REFUSED_STREAM, or above the last stream its GOAWAY accepted), which provably
   * never reached the application.
   */
  private shouldRetryHttp1(err: NodeJS.ErrnoException): boolean {
    return BROKEN_CONNECTION.has(err.code ?? '') && this.mayRetry();
  }

  /**
   * A retry whose endpoint left the table meanwhile (its pool is closing: a rolling deploy) goes to an endpoint the
   * cluster has now, the in-flight slot moving with it; with none, it is sent where it was and fails there.
   */
  private moveOffRetiredEndpoint(): void {
    const endpoint = this.endpoint as Http1Endpoint;
    if (!endpoint.pool.closed || this.clusterId === null) return;
    const cluster = this.ctx.store.current?.clusters.get(this.clusterId);
    const next = cluster?.protocol === 'http1' ? cluster.balancer.pick(this.clientIp) : null;
    if (!next) return;
    endpoint.inFlight--;
    next.inFlight++;
    this.endpoint = next;
  }

  private mayRetry(): boolean {
    const { req } = this;
    return (
      !this.retried &&
      !this.res.headersSent &&
      (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') &&
      req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined &&
      req.complete
    );
  }

  /**
   * An HTTP/2 upstream answered. A HEADERS frame that ends the stream is relayed as one that ends the client's
   * stream too, which is what keeps a gRPC trailers-only status (an error with no messages) a status.
   */
  upstreamRespondedH2(stream: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
    clearTimeout(this.timer);
    const status = headers[':status'] ?? 502;
    if (endsStream(flags)) {
      respondWithoutBody(this.res, status, stripHopByHop(headers));
      stream.resume(); // nothing to read, but the stream closes (and releases its endpoint) once its end is read
      return;
    }
    writeHead(this.res, status, stripHopByHop(headers));
    stream.on('data', onH2Data);
    stream.pipe(this.res as NodeJS.WritableStream);
  }

  upstreamFailedH2(stream: http2.ClientHttp2Stream, err: NodeJS.ErrnoException): void {
    if (stream !== this.upstreamStream || this.timedOut) return; // superseded by a retry, or already answered 504
    if (wasRefused(stream) && this.mayRetry()) {
      this.retried = true;
      this.send();
      return;
    }
    clearTimeout(this.timer);
    this.answerFailure(err);
  }

  /** 502 (504 for a connect timeout) with the reason counted and, where it helps, logged; mid-response, cut the client. */
  private answerFailure(err: NodeJS.ErrnoException): void {
    const reason = classifyUpstreamError(err);
    const clusterId = this.clusterId ?? UNMATCHED;
    logUpstreamFailure(this.ctx.logger, reason, clusterId, this.endpoint?.key ?? UNMATCHED, err);
    if (!this.res.headersSent) {
      this.ctx.metrics.upstreamError(clusterId, reason);
      this.replyLocally(upstreamFailureStatus(reason), upstreamFailureMessage(reason));
    } else {
      this.res.destroy(err);
    }
  }

  upstreamTimedOut(): void {
    this.timedOut = true;
    this.ctx.metrics.upstreamError(this.clusterId ?? UNMATCHED, 'timeout');
    this.abortUpstream();
    this.release();
    if (!this.res.headersSent) this.replyLocally(504, 'Gateway Timeout: upstream did not answer in time');
    else this.res.destroy();
  }

  /** The client's request broke off (a reset mid-upload): the upstream request cannot complete either. */
  clientRequestFailed(): void {
    this.clientGone = true;
    this.abortUpstream();
  }

  /** Abandons the upstream request, which then reports nothing more. */
  private abortUpstream(): void {
    this.upstream?.abort(this);
    this.upstream = null;
    this.upstreamStream?.destroy();
  }

  /** The upstream side is done one way or another: give back the endpoint's in-flight slot. */
  release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    if (this.endpoint) this.endpoint.inFlight--;
  }

  /** The client response is over (finished or aborted): abort the upstream if needed, then log and count. */
  finished(): void {
    const { res, ctx } = this;
    // An upstream request still in progress is abandoned too: an HTTP/2 client's reset finishes its response
    // (writableFinished) without the response having been relayed.
    if (!res.writableFinished || this.upstream !== null) {
      this.clientGone = true;
      this.abortUpstream();
    }
    if (this.upstreamStream === null && this.upstream === null) this.release();
    ctx.inFlight--;
    const durationMs = performance.now() - this.started;
    const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
    ctx.metrics.observeRequest(this.hostLabel, this.routeId, status, durationMs / 1000);
    ctx.accessLog.write({
      method: this.req.method,
      host: requestHost(this.req.headers),
      path: this.path,
      status,
      durationMs,
      bytes: this.bytes,
      routeId: this.routeId,
      clusterId: this.clusterId,
      upstream: this.endpoint?.key ?? null,
      clientIp: this.clientIp,
    });
  }
}

/**
 * An HTTP/1.x request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3), as llhttp parsed
 * it. Over HTTP/2 a body is delimited by the stream's end: none when the HEADERS frame ended the stream. Told apart
 * by type, not by version: llhttp accepts an `HTTP/2.0` request line on an HTTP/1.1 connection.
 */
function hasNoBody(req: ClientRequest): boolean {
  if (req instanceof Http1Request) return req.body === null;
  return req.stream.endAfterHeaders;
}

/** The stream a request's body is read from: HTTP/2's request is one; the HTTP/1.1 server's has one. */
function bodyOf(req: ClientRequest): Readable {
  return req instanceof Http1Request ? req.body! : req;
}

function exchangeOf(emitter: object): Exchange {
  return (emitter as Carrier)[EXCHANGE] as Exchange;
}
function onH2Response(this: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
  exchangeOf(this).upstreamRespondedH2(this, headers, flags);
}
function onH2Trailers(this: http2.ClientHttp2Stream, trailers: http2.IncomingHttpHeaders): void {
  // Emitted before the stream's end, so before pipe() ends the client response that sends them.
  relayTrailers(exchangeOf(this).res, trailers);
}
function onH2Error(this: http2.ClientHttp2Stream, err: NodeJS.ErrnoException): void {
  exchangeOf(this).upstreamFailedH2(this, err);
}
function onH2Close(this: http2.ClientHttp2Stream): void {
  const exchange = exchangeOf(this);
  if (exchange.upstreamStream === this) exchange.release();
}
function onH2RequestSent(this: http2.ClientHttp2Stream): void {
  exchangeOf(this).onRequestSent();
}
function onUpstreamTimeout(exchange: Exchange): void {
  exchange.upstreamTimedOut();
}
function onH2Data(this: http2.ClientHttp2Stream, chunk: Buffer): void {
  exchangeOf(this).bytes += chunk.length;
}
function onClientDrain(this: ClientResponse): void {
  const exchange = exchangeOf(this);
  exchange.awaitingDrain = false;
  exchange.upstream?.resume(exchange);
}
function onResponseClose(this: ClientResponse): void {
  exchangeOf(this).finished();
}
function onClientRequestError(this: ClientRequest): void {
  exchangeOf(this).clientRequestFailed();
}

/** The `request` listener of the HTTP listener. */
export function createRequestHandler(ctx: ProxyContext): (req: ClientRequest, res: ClientResponse) => void {
  return function handleRequest(req, res) {
    const exchange = new Exchange(ctx, req, res);
    ctx.inFlight++;
    (res as Carrier)[EXCHANGE] = exchange;
    (req as Carrier)[EXCHANGE] = exchange;
    res.on('close', onResponseClose);
    req.on('error', onClientRequestError);
    // An HTTP/2 stream reset mid-upload ends the request's body as if it were complete: 'aborted' comes first, and
    // the upstream request must be abandoned then, or the upstream would take a cut upload for the whole one.
    if (!(req instanceof Http1Request)) req.on('aborted', onClientRequestError);

    const config = ctx.store.current;
    if (!config) return exchange.replyLocally(503, NO_CONFIG_MESSAGE);
    const host = requestHost(req.headers);
    if (ctx.proto === 'http') {
      const verdict = plainHttpVerdict(config, req.url ?? '', host, ctx.httpsRedirectPort);
      if (verdict) {
        exchange.hostLabel = verdict.hostLabel;
        exchange.routeId = HTTP_POLICY_ROUTE;
        if (verdict.action === 'reject') return exchange.replyLocally(403, 'Forbidden');
        return exchange.redirect(verdict.location);
      }
    } else if (isMisdirected(config, host, serverNameOf(req.socket))) {
      return exchange.replyLocally(421, 'Misdirected Request: this host is not served on this connection');
    }
    const resolution = resolveRoute(config, req.url ?? '', host);
    exchange.path = resolution.path;
    exchange.hostLabel = resolution.hostLabel;
    exchange.routeId = resolution.routeId;
    if (!resolution.ok) {
      exchange.clusterId = resolution.clusterId;
      if (resolution.clusterId !== null) ctx.metrics.upstreamError(resolution.clusterId, 'no_endpoints');
      return exchange.replyLocally(resolution.status, resolution.reason);
    }
    const { cluster } = resolution;
    exchange.clusterId = cluster.id;
    if (cluster.tls !== null && cluster.tls.error !== null) {
      ctx.metrics.upstreamError(cluster.id, 'tls');
      return exchange.replyLocally(502, UPSTREAM_TLS_UNUSABLE_MESSAGE);
    }
    const endpoint = cluster.balancer.pick(exchange.clientIp);
    if (!endpoint) {
      ctx.metrics.upstreamError(cluster.id, 'no_endpoints');
      return exchange.replyLocally(503, NO_ENDPOINTS_MESSAGE);
    }
    exchange.forward(endpoint, resolution.upstreamPath);
  };
}

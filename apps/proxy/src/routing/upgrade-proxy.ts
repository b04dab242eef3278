import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { clientIpOf, stripHopByHop, upstreamRequestHeaders } from './forwarded-headers.js';
import {
  classifyUpstreamError,
  logUpstreamFailure,
  UPSTREAM_TLS_UNUSABLE_MESSAGE,
  upstreamFailureMessage,
  upstreamFailureStatus,
} from '../upstream/upstream-errors.js';
import { NO_CONFIG_MESSAGE, NO_ENDPOINTS_MESSAGE, type ProxyContext } from './proxy-context.js';
import { HTTP_POLICY_ROUTE, isMisdirected, plainHttpVerdict, serverNameOf } from './http-policy.js';
import { resolveRoute } from './resolve-route.js';

/** Writes a complete HTTP/1.1 response on a raw socket (no ServerResponse exists for an upgrade) and closes it. */
function replyRaw(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = message + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function headerBlock(statusLine: string, rawHeaders: string[]): string {
  let block = statusLine + '\r\n';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) block += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return block + '\r\n';
}

function flattenHeaders(headers: http.OutgoingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else raw.push(name, String(value));
  }
  return raw;
}

/** What an upgrade needs of the request that asked for it. */
export interface UpgradeRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly socket: Socket;
}

/**
 * The `upgrade` listener: routes like a plain request, opens the upstream with the Upgrade headers, relays the
 * upstream's 101 and then splices the two sockets. The tunnel belongs to neither generation: a config swap does not
 * touch it.
 */
export function createUpgradeHandler(ctx: ProxyContext, tunnels: Set<Duplex>): (req: UpgradeRequest, socket: Duplex, head: Buffer) => void {
  return function handleUpgrade(req, socket, head) {
    const started = performance.now();
    const clientIp = clientIpOf(req.socket.remoteAddress);
    socket.on('error', () => socket.destroy());
    tunnels.add(socket);

    let status = 0;
    let upstreamKey: string | null = null;
    let routeId = 'none';
    let hostLabel = 'none';
    let clusterId: string | null = null;
    let path = req.url ?? '';
    socket.once('close', () => {
      tunnels.delete(socket);
      ctx.metrics.observeRequest(hostLabel, routeId, status || 499, (performance.now() - started) / 1000);
      ctx.accessLog.write({
        method: req.method,
        host: req.headers.host,
        path,
        status: status || 499,
        durationMs: performance.now() - started,
        bytes: 0,
        routeId,
        clusterId,
        upstream: upstreamKey,
        clientIp,
      });
    });
    const fail = (code: number, message: string): void => {
      status = code;
      replyRaw(socket, code, message);
    };

    const config = ctx.store.current;
    if (!config) return fail(503, NO_CONFIG_MESSAGE);
    if (ctx.proto === 'http') {
      // A WebSocket to a TLS host over plain HTTP gets the host's http policy too, or `reject` could be bypassed.
      const verdict = plainHttpVerdict(config, req.url ?? '', req.headers.host, ctx.httpsRedirectPort);
      if (verdict) {
        hostLabel = verdict.hostLabel;
        routeId = HTTP_POLICY_ROUTE;
        if (verdict.action === 'reject') return fail(403, 'Forbidden');
        status = 308;
        return void socket.end(`HTTP/1.1 308 Permanent Redirect\r\nlocation: ${verdict.location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      }
    } else if (isMisdirected(config, req.headers.host, serverNameOf(req.socket))) {
      return fail(421, 'Misdirected Request: this host is not served on this connection');
    }
    const resolution = resolveRoute(config, req.url ?? '', req.headers.host);
    path = resolution.path;
    routeId = resolution.routeId;
    hostLabel = resolution.hostLabel;
    if (!resolution.ok) {
      clusterId = resolution.clusterId;
      if (clusterId !== null) ctx.metrics.upstreamError(clusterId, 'no_endpoints');
      return fail(resolution.status, resolution.reason);
    }
    const { cluster } = resolution;
    clusterId = cluster.id;
    if (cluster.protocol === 'h2') {
      // HTTP/1.1 Upgrade cannot be carried on HTTP/2, and an h2 (gRPC) upstream may not speak HTTP/1.1 at all.
      return fail(501, 'Not Implemented: upgrades to an HTTP/2 (gRPC) upstream are not supported');
    }
    if (cluster.tls !== null && cluster.tls.error !== null) {
      ctx.metrics.upstreamError(clusterId, 'tls');
      return fail(502, UPSTREAM_TLS_UNUSABLE_MESSAGE);
    }
    const endpoint = cluster.balancer.pick(clientIp);
    if (!endpoint) {
      ctx.metrics.upstreamError(clusterId, 'no_endpoints');
      return fail(503, NO_ENDPOINTS_MESSAGE);
    }
    upstreamKey = endpoint.key;
    endpoint.inFlight++;
    socket.once('close', () => endpoint.inFlight--);

    const headers = upstreamRequestHeaders(req.headers, { clientIp, localPort: ctx.listenerPort ?? req.socket.localPort, proto: ctx.proto }, true);
    // A fresh connection, not the keep-alive pool: the socket becomes the tunnel and never returns to a pool. A TLS
    // upstream gets the cluster's TLS parameters (SNI, CA, verification, client certificate) as the pool would.
    const options: https.RequestOptions = { host: endpoint.address, port: endpoint.port, method: req.method, path: resolution.upstreamPath, headers, agent: false };
    const upstream = cluster.tls ? https.request({ ...cluster.tls.connect, ...options }) : http.request(options);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctx.metrics.upstreamError(clusterId ?? 'none', 'timeout');
      upstream.destroy();
      fail(504, 'Gateway Timeout: upstream did not answer in time');
    }, ctx.upstreamTimeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      upstream.destroy();
    });

    upstream.on('upgrade', (upstreamResponse, upstreamSocket, upstreamHead) => {
      clearTimeout(timer);
      status = 101;
      upstreamSocket.on('error', () => upstreamSocket.destroy());
      if (socket.destroyed) return void upstreamSocket.destroy();
      // Upgraded connections are long-lived by design: no idle cut-off from the listener.
      (socket as Socket).setTimeout(0);
      upstreamSocket.setTimeout(0);
      socket.write(headerBlock(`HTTP/1.1 101 ${upstreamResponse.statusMessage || 'Switching Protocols'}`, upstreamResponse.rawHeaders));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
      upstreamSocket.once('close', () => socket.destroy());
      socket.once('close', () => upstreamSocket.destroy());
    });

    // The upstream declined to switch protocols: relay its ordinary response and close.
    upstream.on('response', (upstreamResponse) => {
      clearTimeout(timer);
      status = upstreamResponse.statusCode ?? 502;
      const responseHeaders = stripHopByHop(upstreamResponse.headers);
      delete responseHeaders['content-length'];
      responseHeaders.connection = 'close';
      socket.write(headerBlock(`HTTP/1.1 ${status} ${upstreamResponse.statusMessage ?? ''}`, flattenHeaders(responseHeaders)));
      upstreamResponse.pipe(socket);
      upstreamResponse.on('error', () => socket.destroy());
    });

    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (timedOut) return; // the 504 is already on its way
      if (status !== 0) return void socket.destroy();
      const reason = classifyUpstreamError(err);
      logUpstreamFailure(ctx.logger, reason, clusterId ?? 'none', endpoint.key, err);
      ctx.metrics.upstreamError(clusterId ?? 'none', reason);
      fail(upstreamFailureStatus(reason), upstreamFailureMessage(reason));
    });
    upstream.end();
  };
}

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamFailureReason } from '../upstream/upstream-errors.js';
import { TrafficStats } from './traffic-stats.js';

/** Why a connection on the TLS port ended before TLS was established; a closed set, so bounded label values. */
export type TlsHandshakeErrorReason = 'client_hello_timeout' | 'client_hello_invalid' | 'client_hello_closed' | 'tls_handshake';

/** Why a request was not served by an upstream: no endpoints, or an UpstreamFailureReason (see upstream-errors). */
export type UpstreamErrorReason = UpstreamFailureReason | 'no_endpoints';

/**
 * Why a connection to a host that requires a client certificate was refused: none sent, not chaining to the host's
 * CAs (or otherwise failing verification), more issuers than the policy's verify depth, a chain whose depth could
 * not be established, or a policy whose CA bundle does not load.
 */
export type ClientCertRejectionReason = 'no_certificate' | 'untrusted' | 'depth' | 'chain_unknown' | 'invalid_ca';

/** Why global passthrough closed a connection instead of relaying it. */
export type PassthroughRefusedReason = 'no_sni' | 'not_allowed';

/**
 * The proxy's Prometheus metrics, on a Registry of their own so several proxies in one process (tests) do not collide.
 * Label values come from the routing table (virtual host names, route ids), never from raw client input, so a
 * client cannot inflate the number of series.
 */
export class ProxyMetrics {
  readonly registry = new Registry();

  /** Per-(host, route) counts reported to the API's traffic summary (see traffic-stats.ts). */
  readonly traffic = new TrafficStats();

  readonly requests = new Counter({
    name: 'portico_requests_total',
    help: 'Requests answered by the proxy.',
    labelNames: ['host', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'portico_request_duration_seconds',
    help: 'Time from request arrival to the end of the response.',
    labelNames: ['host', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: 'portico_upstream_errors_total',
    help: 'Requests that could not be served by an upstream, by reason.',
    labelNames: ['cluster', 'reason'] as const,
    registers: [this.registry],
  });

  readonly configGeneration = new Gauge({
    name: 'portico_config_generation',
    help: 'Generation of the routing table being served (-1 before the first one).',
    // With --workers, the lowest generation any worker serves: the one the whole proxy is known to serve.
    aggregator: 'min',
    registers: [this.registry],
  });

  readonly configApplySeconds = new Histogram({
    name: 'portico_config_apply_seconds',
    help: 'Time to validate, index and swap in a routing table.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly passthroughConnections = new Counter({
    name: 'portico_passthrough_connections_total',
    help: 'TLS connections relayed as raw TCP to a passthrough host\'s backend.',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });

  readonly passthroughBytes = new Counter({
    name: 'portico_passthrough_bytes_total',
    help: 'Bytes relayed on passthrough connections, counted when a connection closes.',
    labelNames: ['host', 'direction'] as const,
    registers: [this.registry],
  });

  readonly tlsHandshakeErrors = new Counter({
    name: 'portico_tls_handshake_errors_total',
    help: 'Connections on the TLS port closed before TLS was established: ClientHello timeout, invalid ClientHello, closed early, or a failed TLS handshake.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly clientCertRejections = new Counter({
    name: 'portico_client_cert_rejections_total',
    help: 'Connections to hosts that require a client certificate, refused by reason (see ClientCertRejectionReason).',
    labelNames: ['host', 'reason'] as const,
    registers: [this.registry],
  });

  readonly passthroughRefused = new Counter({
    name: 'portico_passthrough_refused_total',
    help: 'Connections global passthrough closed: no SNI, or a name not on the allow-list.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tlsConnectionsRefused = new Counter({
    name: 'portico_tls_connections_refused_total',
    help: 'Connections the TLS port closed on accept by configuration (reason tls_disabled: TLS is turned off).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    this.configGeneration.set(-1);
  }

  observeRequest(host: string, route: string, status: number, durationSeconds: number): void {
    this.requests.inc({ host, route, status: statusLabel(status) });
    this.requestDuration.observe({ host, route }, durationSeconds);
    this.traffic.record(host, route, status, durationSeconds * 1000);
  }

  upstreamError(cluster: string, reason: UpstreamErrorReason): void {
    this.upstreamErrors.inc({ cluster, reason });
  }
}

// Status codes are a small closed set; caching their strings avoids a conversion per request.
const STATUS_LABELS: string[] = [];
function statusLabel(status: number): string {
  return (STATUS_LABELS[status] ??= String(status));
}

import os from 'node:os';
import type { RoutingTable } from '@portico/model';
import { DEFAULT_LIMITS, type ListenerLimits } from './listeners/limits.js';
import type { Logger } from './observability/logger.js';

export interface ProxyOptions {
  /** Base URL of the Portico API, e.g. `http://127.0.0.1:9090`. Without it the proxy serves only saved/initial tables. */
  apiUrl?: string;
  /** Bearer token presented on the config stream and acks. */
  proxyToken?: string;
  /** Identity reported to the API; default `<hostname>-<pid>`. */
  proxyId?: string;
  /** Data-plane port; default 8000. 0 picks a free port (see `ProxyHandle.httpPort`). */
  httpPort?: number;
  /** TLS port (termination and passthrough, chosen per connection by SNI); default 8443. 0 picks a free port. */
  httpsPort?: number;
  /**
   * The HTTPS port clients reach from outside (e.g. 443 on a Service/LoadBalancer in front of 8443), used in the
   * Location of plain-HTTP redirects; default the HTTPS listener's bound port. 443 is left out of the URL.
   */
  publicHttpsPort?: number;
  /** How long a new TLS connection may take to send its whole ClientHello; default 10000. */
  clientHelloTimeoutMs?: number;
  /**
   * The certificate served without SNI, for names no TLS host claims, and for hosts whose certificate is missing or
   * does not load: PEM text, or PEM file paths. Default: a self-signed `portico.invalid` certificate made at start.
   */
  defaultCertificate?: { certPem: string; keyPem: string } | { certFile: string; keyFile: string };
  /** Admin port (`/metrics`, `/readyz`, `/healthz`); default 9091. 0 picks a free port. */
  adminPort?: number;
  /** Address both listeners bind; default `0.0.0.0`. */
  bind?: string;
  /** Where last-good.json is kept; default `.portico/proxy-state`; `null` disables saving and loading. */
  stateDir?: string | null;
  /** How long to wait for upstream response headers before answering 504; default 60000. */
  upstreamTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests before cutting connections; default 10000. */
  drainTimeoutMs?: number;
  /** A table to serve at start (applied after last-good.json, so it wins). Not persisted. */
  initialTable?: RoutingTable;
  /** Overrides for the client-facing limits (tests shorten the timeouts). */
  limits?: Partial<ListenerLimits>;
  /** Config stream reconnect tuning. */
  reconnect?: { minBackoffMs?: number; maxBackoffMs?: number; idleTimeoutMs?: number };
  /** How often request counts are posted to the API's traffic summary; default 5000. */
  trafficReportIntervalMs?: number;
  /** Defaults to a pino logger on stdout at `PORTICO_LOG_LEVEL` (info). */
  logger?: Logger;
}

export interface ResolvedProxyOptions {
  apiUrl: string | null;
  proxyToken: string;
  proxyId: string;
  httpPort: number;
  httpsPort: number;
  publicHttpsPort: number | null;
  clientHelloTimeoutMs: number;
  adminPort: number;
  bind: string;
  stateDir: string | null;
  upstreamTimeoutMs: number;
  drainTimeoutMs: number;
  limits: ListenerLimits;
}

export const DEFAULT_STATE_DIR = '.portico/proxy-state';

export function resolveOptions(options: ProxyOptions): ResolvedProxyOptions {
  return {
    apiUrl: options.apiUrl ?? null,
    proxyToken: options.proxyToken ?? '',
    proxyId: options.proxyId ?? `${os.hostname()}-${process.pid}`,
    httpPort: options.httpPort ?? 8000,
    httpsPort: options.httpsPort ?? 8443,
    publicHttpsPort: options.publicHttpsPort ?? null,
    clientHelloTimeoutMs: options.clientHelloTimeoutMs ?? 10_000,
    adminPort: options.adminPort ?? 9091,
    bind: options.bind ?? '0.0.0.0',
    stateDir: options.stateDir === undefined ? DEFAULT_STATE_DIR : options.stateDir,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? 60_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
}

import type { ConfigStore } from '../config/config-store.js';
import type { AccessLog } from '../observability/access-log.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';

/** What request handling depends on, shared by plain and upgrade requests. */
export interface ProxyContext {
  readonly store: ConfigStore;
  readonly metrics: ProxyMetrics;
  readonly accessLog: AccessLog;
  readonly logger: Logger;
  readonly upstreamTimeoutMs: number;
  readonly proto: 'http' | 'https';
  /** X-Forwarded-Port: the port this listener is bound to, set once it listens (the socket's local port until then). */
  listenerPort: number | undefined;
  /**
   * Plain listener only: the port in https redirects (`publicHttpsPort`, else the HTTPS listener's port), set once
   * the HTTPS listener is bound. 443 is left out of the Location.
   */
  httpsRedirectPort: number;
  /** Plain HTTP requests in progress (not upgraded tunnels); shutdown waits for this to reach zero. */
  inFlight: number;
}

export const NO_CONFIG_MESSAGE = 'Service Unavailable: no configuration has been received yet';
export const NO_ENDPOINTS_MESSAGE = 'Service Unavailable: no ready endpoint for this route';

/** Node error codes meaning the upstream refused the connection outright; anything else before headers is a reset. */
export function upstreamFailureReason(err: NodeJS.ErrnoException): 'refused' | 'reset' {
  return err.code === 'ECONNREFUSED' ? 'refused' : 'reset';
}

import { isIP } from 'node:net';
import { buildConnector, Pool } from 'undici';
import type { UpstreamTlsTarget } from './tls-options.js';

/** Idle upstream connections close before a typical upstream's own keep-alive timeout (Node: 5 s) to avoid reuse races. */
const IDLE_CONNECTION_TIMEOUT_MS = 4_000;
/** Connecting may take this long before the request fails with 504 (the proxy's upstream timeout still bounds it). */
const CONNECT_TIMEOUT_MS = 10_000;

/** The connections to one endpoint, and the `servername` every request dispatched on them must carry. */
export interface Http1Pool {
  readonly dispatcher: Pool;
  /**
   * undici derives a request's TLS server name from its Host header, and drops a pool's connections whenever that
   * name changes. Upstream TLS must present the cluster's configured name whatever the client asked for, so every
   * request on a pool carries this one constant and the pool's connector sets the real SNI itself.
   */
  readonly servername: string | undefined;
}

function createPool(address: string, port: number, tls: UpstreamTlsTarget | null): Http1Pool {
  const origin = `${tls ? 'https' : 'http'}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
  // HTTP/1.1 only: undici would otherwise offer h2 in ALPN and speak HTTP/2 to an upstream that accepts it, outside
  // the llhttp rules the proxy holds responses to (gRPC clusters have their own HTTP/2 sessions).
  const connector = buildConnector({ ...tls?.connect, timeout: CONNECT_TIMEOUT_MS, allowH2: false } as buildConnector.BuildOptions);
  // No SNI for an IP address (RFC 6066): null lets undici's connector leave it out.
  const sni = tls && isIP(tls.serverName) === 0 ? tls.serverName : null;
  const dispatcher = new Pool(origin, {
    keepAliveTimeout: IDLE_CONNECTION_TIMEOUT_MS,
    keepAliveMaxTimeout: IDLE_CONNECTION_TIMEOUT_MS,
    // The proxy bounds waiting for headers itself (upstreamTimeoutMs, a 504); a body may take as long as it takes.
    headersTimeout: 0,
    bodyTimeout: 0,
    allowH2: false,
    connect: tls ? (options, callback) => connector({ ...options, servername: sni ?? undefined }, callback) : connector,
  });
  return { dispatcher, servername: tls ? (sni ?? address) : undefined };
}

/**
 * One undici connection pool per upstream endpoint, shared by every cluster that lists the endpoint and reused across
 * configuration generations, so a config swap never costs a reconnect. Plain endpoints are keyed `address:port`;
 * TLS endpoints are keyed by the endpoint and the TLS parameters' fingerprint and their pool carries those parameters,
 * so changed parameters (a rotated CA or client certificate) get a new pool while unchanged ones keep their
 * connections and TLS sessions.
 *
 * undici rather than node:http's Agent and ClientRequest: measured in bench/ (node-undici against node-http), it
 * halves the CPU a proxied request costs on the upstream side, and it parses responses with the same llhttp rules.
 * Keys that leave the table are closed gracefully: requests already on them finish, then their connections close.
 */
export class Http1Pools {
  private readonly pools = new Map<string, Http1Pool>();

  /** `tls` must be the same for every call with the same key (the key includes its fingerprint). */
  acquire(key: string, address: string, port: number, tls: UpstreamTlsTarget | null): Http1Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = createPool(address, port, tls);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes every pool whose endpoint is not in `liveKeys`, once the requests already on it are done. */
  retainOnly(liveKeys: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (liveKeys.has(key)) continue;
      this.pools.delete(key);
      pool.dispatcher.close().catch(() => undefined);
    }
  }

  get size(): number {
    return this.pools.size;
  }

  destroyAll(): void {
    for (const pool of this.pools.values()) pool.dispatcher.destroy().catch(() => undefined);
    this.pools.clear();
  }
}

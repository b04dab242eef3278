import type { UpstreamTlsTarget } from './tls-options.js';
import { UpstreamPool } from './http1/upstream-pool.js';

/**
 * How often idle connections past their idle limit are closed: one timer for every pool, none per connection or
 * request (a connection past its limit is never reused meanwhile: the pool checks when it takes one).
 */
const IDLE_SWEEP_INTERVAL_MS = 1_000;

/**
 * One connection pool per upstream endpoint, shared by every cluster that lists the endpoint and reused across
 * configuration generations, so a config swap never costs a reconnect. Plain endpoints are keyed `address:port`;
 * TLS endpoints are keyed by the endpoint and the TLS parameters' fingerprint and their pool carries those parameters,
 * so changed parameters (a rotated CA or client certificate) get a new pool while unchanged ones keep their
 * connections and TLS sessions. Keys that leave the table are closed gracefully: requests already on them finish,
 * then their connections close.
 *
 * The proxy's own client (./http1) rather than undici or node:http's Agent: measured in bench/, it costs less CPU
 * per proxied request than either, and it reads responses with node:http's own parser and settings.
 */
export class Http1Pools {
  private readonly pools = new Map<string, UpstreamPool>();
  private sweeper: NodeJS.Timeout | undefined;

  /** `tls` must be the same for every call with the same key (the key includes its fingerprint). */
  acquire(key: string, address: string, port: number, tls: UpstreamTlsTarget | null): UpstreamPool {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new UpstreamPool(address, port, tls);
      this.pools.set(key, pool);
    }
    this.sweeper ??= setInterval(() => this.closeIdle(), IDLE_SWEEP_INTERVAL_MS).unref();
    return pool;
  }

  /** Closes every pool whose endpoint is not in `liveKeys`, once the requests already on it are done. */
  retainOnly(liveKeys: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (liveKeys.has(key)) continue;
      this.pools.delete(key);
      pool.close();
    }
  }

  get size(): number {
    return this.pools.size;
  }

  destroyAll(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const pool of this.pools.values()) pool.closeExpired(now);
  }
}

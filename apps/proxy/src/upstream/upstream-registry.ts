import type { Certificate, Cluster, LbPolicy } from '@portico/model';
import type { Logger } from '../observability/logger.js';
import { createBalancer, type Balancer } from './balancers/index.js';
import { Http1Pools } from './http1-pools.js';
import type { UpstreamPool } from './http1/upstream-pool.js';
import { H2SessionPool, type H2Origin } from './h2-session-pool.js';
import { certificatesById, resolveUpstreamTls, type UpstreamTlsTarget } from './tls-options.js';

/**
 * A ready endpoint of one cluster: what balancers and the passthrough relay need. Its `inFlight` counter feeds
 * least-work and survives config generations.
 */
export interface UpstreamEndpoint {
  /** `address:port`: the endpoint's identity in balancers, logs and metrics. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  inFlight: number;
}

/** An endpoint spoken to in HTTP/1.1 (over TLS when its cluster says so), over a pool of keep-alive connections. */
export interface Http1Endpoint extends UpstreamEndpoint {
  readonly kind: 'http1';
  readonly pool: UpstreamPool;
}

/** An endpoint spoken to in HTTP/2 (gRPC), over pooled sessions. */
export interface H2Endpoint extends UpstreamEndpoint {
  readonly kind: 'h2';
  readonly origin: H2Origin;
}

interface ClusterBase {
  readonly id: string;
  readonly lb: LbPolicy;
  readonly sessionSticky: boolean;
  /** TLS to the upstream, or null for cleartext. */
  readonly tls: UpstreamTlsTarget | null;
}

export interface Http1Cluster extends ClusterBase {
  readonly protocol: 'http1';
  /** Ready endpoints only. */
  readonly endpoints: readonly Http1Endpoint[];
  readonly balancer: Balancer<Http1Endpoint>;
}

export interface H2Cluster extends ClusterBase {
  readonly protocol: 'h2';
  /** Ready endpoints only. */
  readonly endpoints: readonly H2Endpoint[];
  readonly balancer: Balancer<H2Endpoint>;
}

export type UpstreamCluster = Http1Cluster | H2Cluster;

export const endpointKey = (address: string, port: number): string => `${address}:${port}`;

/**
 * The key of an endpoint's connection pool: the endpoint, plus the protocol and the TLS parameters' fingerprint when
 * they are not plain HTTP/1.1, so each distinct way of talking to an endpoint has its own connections.
 */
function poolKey(key: string, protocol: Cluster['protocol'], tls: UpstreamTlsTarget | null): string {
  const base = protocol === 'h2' ? `h2 ${key}` : key;
  return tls ? `${base} tls:${tls.fingerprint}` : base;
}

/**
 * Turns a table's clusters into balanced endpoint sets, carrying state across generations: a cluster whose id
 * survives keeps its balancer (round-robin position, hash ring, sticky pins) and its endpoints keep their in-flight
 * counters and connections, as long as the way of talking to them (protocol, TLS parameters) is unchanged. The
 * previous generation's objects are left intact for requests still using them.
 */
export class UpstreamRegistry {
  private clusters = new Map<string, UpstreamCluster>();
  /** Resolved TLS parameters by fingerprint, reused while some cluster still uses them. */
  private tlsTargets = new Map<string, UpstreamTlsTarget>();
  readonly http1Pools = new Http1Pools();
  readonly h2Sessions = new H2SessionPool();

  /** Builds the next generation's clusters. Synchronous, so it lands in the same tick as the table swap. */
  rebuild(clusters: readonly Cluster[], certificates: readonly Certificate[], logger: Logger): Map<string, UpstreamCluster> {
    const next = new Map<string, UpstreamCluster>();
    const liveHttp1Pools = new Set<string>();
    const liveSessions = new Set<string>();
    const tlsTargets = new Map<string, UpstreamTlsTarget>();
    const needsCertificates = clusters.some((c) => c.upstreamTls?.clientCertificateId !== undefined);
    const certs = needsCertificates ? certificatesById(certificates) : new Map<string, Certificate>();

    for (const cluster of clusters) {
      const tls = cluster.upstreamTls ? resolveUpstreamTls(cluster.id, cluster.upstreamTls, certs, this.tlsTargets, logger) : null;
      if (tls) tlsTargets.set(tls.fingerprint, tls);
      const previous = this.clusters.get(cluster.id);
      const base = { id: cluster.id, lb: cluster.lb, sessionSticky: cluster.sessionSticky, tls };
      if (cluster.protocol === 'h2') {
        const { endpoints, balancer } = this.balanced<H2Endpoint>(cluster, tls, previous, liveSessions, (key, address, port, pool) => ({
          kind: 'h2',
          key,
          address,
          port,
          origin: this.h2Sessions.acquire(pool, address, port, tls, logger),
          inFlight: 0,
        }));
        next.set(cluster.id, { ...base, protocol: 'h2', endpoints, balancer });
      } else {
        const { endpoints, balancer } = this.balanced<Http1Endpoint>(cluster, tls, previous, liveHttp1Pools, (key, address, port, pool) => ({
          kind: 'http1',
          key,
          address,
          port,
          pool: this.http1Pools.acquire(pool, address, port, tls),
          inFlight: 0,
        }));
        next.set(cluster.id, { ...base, protocol: 'http1', endpoints, balancer });
      }
    }
    this.clusters = next;
    this.tlsTargets = tlsTargets;
    this.http1Pools.retainOnly(liveHttp1Pools);
    this.h2Sessions.retainOnly(liveSessions);
    return next;
  }

  close(): void {
    this.http1Pools.destroyAll();
    this.h2Sessions.destroyAll();
  }

  /**
   * The ready endpoints of `cluster` and its balancer. An endpoint keeps its object (in-flight counter, connections)
   * when the previous generation had it with the same pool key; `livePools` collects the pool keys of every listed
   * endpoint, ready or not, so an endpoint that is briefly unready keeps its connections.
   */
  private balanced<E extends Http1Endpoint | H2Endpoint>(
    cluster: Cluster,
    tls: UpstreamTlsTarget | null,
    previous: UpstreamCluster | undefined,
    livePools: Set<string>,
    create: (key: string, address: string, port: number, pool: string) => E,
  ): { endpoints: E[]; balancer: Balancer<E> } {
    const sameTransport = previous !== undefined && previous.protocol === cluster.protocol && previous.tls === tls;
    // Same protocol and TLS target object (reused by fingerprint): the previous endpoints are of type E and use the
    // pools this generation would pick.
    const previousEndpoints = sameTransport ? new Map((previous.endpoints as readonly E[]).map((e) => [e.key, e])) : undefined;
    const endpoints: E[] = [];
    const seen = new Set<string>();
    for (const ep of cluster.endpoints) {
      const key = endpointKey(ep.address, ep.port);
      const pool = poolKey(key, cluster.protocol, tls);
      livePools.add(pool);
      if (!ep.ready || seen.has(key)) continue;
      seen.add(key);
      endpoints.push(previousEndpoints?.get(key) ?? create(key, ep.address, ep.port, pool));
    }
    // Balancers track endpoints by key and are handed the new objects below, so a TLS change keeps positions and
    // sticky pins; only a protocol change (another kind of endpoint object) starts a fresh one.
    const samePolicy =
      previous !== undefined && previous.protocol === cluster.protocol && previous.lb === cluster.lb && previous.sessionSticky === cluster.sessionSticky;
    const balancer = samePolicy ? (previous.balancer as Balancer<E>) : createBalancer<E>(cluster.lb, cluster.sessionSticky);
    balancer.setEndpoints(endpoints);
    return { endpoints, balancer };
  }
}

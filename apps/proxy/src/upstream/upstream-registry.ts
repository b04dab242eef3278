import type http from 'node:http';
import type { Cluster, LbPolicy } from '@portico/model';
import { AgentPool } from './agent-pool.js';
import { createBalancer, type Balancer } from './balancers/index.js';

/** A ready endpoint of one cluster. Its `inFlight` counter feeds least-work and survives config generations. */
export interface UpstreamEndpoint {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly agent: http.Agent;
  inFlight: number;
}

export interface UpstreamCluster {
  readonly id: string;
  readonly lb: LbPolicy;
  readonly sessionSticky: boolean;
  /** Ready endpoints only. */
  readonly endpoints: readonly UpstreamEndpoint[];
  readonly balancer: Balancer<UpstreamEndpoint>;
}

export const endpointKey = (address: string, port: number): string => `${address}:${port}`;

/**
 * Turns a table's clusters into balanced endpoint sets, carrying state across generations: a cluster whose id
 * survives keeps its balancer (round-robin position, hash ring, sticky pins) and its endpoints keep their in-flight
 * counters. The previous generation's objects are left intact for requests still using them.
 */
export class UpstreamRegistry {
  private clusters = new Map<string, UpstreamCluster>();
  readonly agents = new AgentPool();

  /** Builds the next generation's clusters. Synchronous, so it lands in the same tick as the table swap. */
  rebuild(clusters: readonly Cluster[]): Map<string, UpstreamCluster> {
    const next = new Map<string, UpstreamCluster>();
    const liveKeys = new Set<string>();
    for (const cluster of clusters) {
      const previous = this.clusters.get(cluster.id);
      const previousEndpoints = new Map(previous?.endpoints.map((e) => [e.key, e]));
      const endpoints: UpstreamEndpoint[] = [];
      const seen = new Set<string>();
      for (const ep of cluster.endpoints) {
        const key = endpointKey(ep.address, ep.port);
        liveKeys.add(key);
        if (!ep.ready || seen.has(key)) continue;
        seen.add(key);
        endpoints.push(
          previousEndpoints.get(key) ?? { key, address: ep.address, port: ep.port, agent: this.agents.acquire(key), inFlight: 0 },
        );
      }
      const samePolicy = previous && previous.lb === cluster.lb && previous.sessionSticky === cluster.sessionSticky;
      const balancer = samePolicy ? previous.balancer : createBalancer<UpstreamEndpoint>(cluster.lb, cluster.sessionSticky);
      balancer.setEndpoints(endpoints);
      next.set(cluster.id, { id: cluster.id, lb: cluster.lb, sessionSticky: cluster.sessionSticky, endpoints, balancer });
    }
    this.clusters = next;
    this.agents.retainOnly(liveKeys);
    return next;
  }

  close(): void {
    this.agents.destroyAll();
  }
}

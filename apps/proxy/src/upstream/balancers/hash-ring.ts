import { fnv1a32 } from './fnv1a.js';
import type { Balancer, Pickable } from './types.js';

export const VIRTUAL_NODES_PER_ENDPOINT = 160;

/**
 * Consistent-hash ring keyed by client IP: a client stays on one endpoint, and removing an endpoint only moves the
 * clients that were on it (its virtual nodes vanish; everyone else's nearest node is unchanged).
 */
export class HashRingBalancer<T extends Pickable> implements Balancer<T> {
  private points = new Uint32Array(0);
  private owners: T[] = [];

  constructor(private readonly virtualNodes = VIRTUAL_NODES_PER_ENDPOINT) {}

  setEndpoints(endpoints: readonly T[]): void {
    const entries: Array<{ point: number; owner: T }> = [];
    for (const endpoint of endpoints) {
      for (let v = 0; v < this.virtualNodes; v++) entries.push({ point: fnv1a32(`${endpoint.key}#${v}`), owner: endpoint });
    }
    // Ties (hash collisions) resolve by key so the ring does not depend on the order endpoints were listed in.
    entries.sort((a, b) => a.point - b.point || (a.owner.key < b.owner.key ? -1 : a.owner.key > b.owner.key ? 1 : 0));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.owner);
  }

  pick(clientKey: string): T | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    const hash = fnv1a32(clientKey);
    // First point >= hash, wrapping to the start of the ring.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}

import type { Balancer, Pickable } from './types.js';

/** Fewest in-flight requests wins; ties rotate so equally idle endpoints share the load. */
export class LeastWorkBalancer<T extends Pickable> implements Balancer<T> {
  private endpoints: readonly T[] = [];
  private rotation = 0;

  setEndpoints(endpoints: readonly T[]): void {
    this.endpoints = endpoints;
  }

  pick(): T | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    const start = this.rotation % n;
    this.rotation = (this.rotation + 1) % 0x7fffffff;
    let best = this.endpoints[start];
    for (let i = 1; i < n; i++) {
      const candidate = this.endpoints[(start + i) % n];
      if (candidate.inFlight < best.inFlight) best = candidate;
    }
    return best;
  }
}

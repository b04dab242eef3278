import type { Balancer, Pickable } from './types.js';

export class RoundRobinBalancer<T extends Pickable> implements Balancer<T> {
  private endpoints: readonly T[] = [];
  private next = 0;

  setEndpoints(endpoints: readonly T[]): void {
    this.endpoints = endpoints;
  }

  pick(): T | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    // The counter keeps running across endpoint changes; modulo keeps it in range without a reset burst.
    const endpoint = this.endpoints[this.next % n];
    this.next = (this.next + 1) % 0x7fffffff;
    return endpoint;
  }
}

import type { Balancer, Pickable } from './types.js';

export const DEFAULT_STICKY_CAPACITY = 10_000;

/**
 * Session stickiness by client IP: the first pick comes from the cluster's own policy, later picks return the same
 * endpoint for as long as it stays in the cluster. The pin table is a bounded LRU (a Map in recency order) so a
 * flood of client addresses cannot grow memory without limit.
 */
export class StickyBalancer<T extends Pickable> implements Balancer<T> {
  private readonly pins = new Map<string, string>();
  private byKey = new Map<string, T>();

  constructor(
    private readonly inner: Balancer<T>,
    private readonly capacity = DEFAULT_STICKY_CAPACITY,
  ) {}

  setEndpoints(endpoints: readonly T[]): void {
    this.byKey = new Map(endpoints.map((e) => [e.key, e]));
    this.inner.setEndpoints(endpoints);
  }

  pick(clientKey: string): T | undefined {
    const pinned = this.pins.get(clientKey);
    if (pinned !== undefined) {
      const endpoint = this.byKey.get(pinned);
      this.pins.delete(clientKey);
      if (endpoint) {
        this.pins.set(clientKey, pinned); // refresh recency
        return endpoint;
      }
    }
    const chosen = this.inner.pick(clientKey);
    if (chosen) {
      this.pins.set(clientKey, chosen.key);
      if (this.pins.size > this.capacity) this.pins.delete(this.pins.keys().next().value as string);
    }
    return chosen;
  }

  get pinCount(): number {
    return this.pins.size;
  }
}

import type { LbPolicy } from '@portico/model';
import { HashRingBalancer } from './hash-ring.js';
import { LeastWorkBalancer } from './least-work.js';
import { RoundRobinBalancer } from './round-robin.js';
import { StickyBalancer } from './sticky.js';
import type { Balancer, Pickable } from './types.js';

export type { Balancer, Pickable } from './types.js';
export { HashRingBalancer, LeastWorkBalancer, RoundRobinBalancer, StickyBalancer };

export function createBalancer<T extends Pickable>(lb: LbPolicy, sessionSticky: boolean): Balancer<T> {
  const base: Balancer<T> =
    lb === 'hashing' ? new HashRingBalancer<T>() : lb === 'least-work' ? new LeastWorkBalancer<T>() : new RoundRobinBalancer<T>();
  return sessionSticky ? new StickyBalancer(base) : base;
}

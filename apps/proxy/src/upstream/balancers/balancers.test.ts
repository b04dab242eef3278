import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBalancer, HashRingBalancer, LeastWorkBalancer, RoundRobinBalancer, StickyBalancer, type Pickable } from './index.js';

const eps = (...keys: string[]): Pickable[] => keys.map((key) => ({ key, inFlight: 0 }));

describe('RoundRobinBalancer', () => {
  it('cycles through endpoints in order', () => {
    const b = new RoundRobinBalancer<Pickable>();
    b.setEndpoints(eps('a', 'b', 'c'));
    expect(Array.from({ length: 6 }, () => b.pick()?.key)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('returns undefined with no endpoints and recovers when some appear', () => {
    const b = new RoundRobinBalancer<Pickable>();
    expect(b.pick()).toBeUndefined();
    b.setEndpoints(eps('x'));
    expect(b.pick()?.key).toBe('x');
  });
});

describe('LeastWorkBalancer', () => {
  it('prefers the endpoint with the fewest in-flight requests', () => {
    const [a, b, c] = eps('a', 'b', 'c');
    a.inFlight = 3;
    b.inFlight = 0;
    c.inFlight = 1;
    const lb = new LeastWorkBalancer<Pickable>();
    lb.setEndpoints([a, b, c]);
    for (let i = 0; i < 5; i++) expect(lb.pick()?.key).toBe('b');
  });

  it('rotates among equally idle endpoints', () => {
    const lb = new LeastWorkBalancer<Pickable>();
    lb.setEndpoints(eps('a', 'b'));
    const picks = new Set(Array.from({ length: 4 }, () => lb.pick()?.key));
    expect(picks).toEqual(new Set(['a', 'b']));
  });
});

describe('HashRingBalancer', () => {
  it('sends one client to one endpoint every time', () => {
    const ring = new HashRingBalancer<Pickable>();
    ring.setEndpoints(eps('10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'));
    const first = ring.pick('192.168.1.7')?.key;
    for (let i = 0; i < 20; i++) expect(ring.pick('192.168.1.7')?.key).toBe(first);
  });

  it('spreads many clients over all endpoints', () => {
    const ring = new HashRingBalancer<Pickable>();
    ring.setEndpoints(eps('a:1', 'b:1', 'c:1'));
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const key = ring.pick(`10.${i >> 8}.${i & 255}.1`)!.key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(3);
    for (const n of counts.values()) expect(n).toBeGreaterThan(600); // fair share is 1000
  });

  it('removing an endpoint moves only the clients that were on it (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.ipV4(), { minLength: 1, maxLength: 50 }),
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}:[0-9]{2,4}$/), { minLength: 2, maxLength: 8 }),
        fc.nat(),
        (clients, keys, victimSeed) => {
          const before = new HashRingBalancer<Pickable>(50);
          before.setEndpoints(eps(...keys));
          const victim = keys[victimSeed % keys.length];
          const after = new HashRingBalancer<Pickable>(50);
          after.setEndpoints(eps(...keys.filter((k) => k !== victim)));
          for (const client of clients) {
            const was = before.pick(client)!.key;
            const now = after.pick(client)!.key;
            if (was !== victim) expect(now).toBe(was);
            else expect(now).not.toBe(victim);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order endpoints are listed in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), fc.ipV4(), (keys, client) => {
        const a = new HashRingBalancer<Pickable>(20);
        a.setEndpoints(eps(...keys));
        const b = new HashRingBalancer<Pickable>(20);
        b.setEndpoints(eps(...[...keys].reverse()));
        expect(b.pick(client)?.key).toBe(a.pick(client)?.key);
      }),
    );
  });
});

describe('StickyBalancer', () => {
  it('pins a client to its first pick while the endpoint stays', () => {
    const sticky = new StickyBalancer(new RoundRobinBalancer<Pickable>());
    sticky.setEndpoints(eps('a', 'b', 'c'));
    const first = sticky.pick('1.1.1.1')!.key;
    const other = sticky.pick('2.2.2.2')!.key;
    expect(other).not.toBe(first); // round-robin underneath moved on
    for (let i = 0; i < 10; i++) expect(sticky.pick('1.1.1.1')!.key).toBe(first);
  });

  it('keeps the pin across endpoint updates and re-pins when its endpoint goes away', () => {
    const sticky = new StickyBalancer(new RoundRobinBalancer<Pickable>());
    sticky.setEndpoints(eps('a', 'b'));
    const pinned = sticky.pick('1.1.1.1')!.key;
    sticky.setEndpoints(eps('a', 'b', 'c'));
    expect(sticky.pick('1.1.1.1')!.key).toBe(pinned);
    const remaining = pinned === 'a' ? 'b' : 'a';
    sticky.setEndpoints(eps(remaining, 'c'));
    const repinned = sticky.pick('1.1.1.1')!.key;
    expect(repinned).not.toBe(pinned);
    for (let i = 0; i < 5; i++) expect(sticky.pick('1.1.1.1')!.key).toBe(repinned);
  });

  it('bounds its pin table, evicting the least recently used client', () => {
    const sticky = new StickyBalancer(new RoundRobinBalancer<Pickable>(), 3);
    sticky.setEndpoints(eps('a', 'b'));
    for (const ip of ['1', '2', '3', '4']) sticky.pick(ip);
    expect(sticky.pinCount).toBe(3);
  });
});

describe('createBalancer', () => {
  it('builds the policy a cluster asks for', () => {
    expect(createBalancer('round-robin', false)).toBeInstanceOf(RoundRobinBalancer);
    expect(createBalancer('hashing', false)).toBeInstanceOf(HashRingBalancer);
    expect(createBalancer('least-work', false)).toBeInstanceOf(LeastWorkBalancer);
    expect(createBalancer('hashing', true)).toBeInstanceOf(StickyBalancer);
  });
});

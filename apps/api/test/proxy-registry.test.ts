import { describe, expect, it } from 'vitest';
import { ProxyRegistry } from '../src/delivery/proxy-registry.js';

const ack = (generation: number, ok = true) => ({ proxyId: 'p', generation, ok, applyMs: 1, ...(ok ? {} : { error: 'no' }) });

describe('ProxyRegistry', () => {
  it('keeps a proxy while any of its streams is open (reconnect overlap)', () => {
    const registry = new ProxyRegistry();
    const closeOld = registry.connect('p', '10.0.0.1');
    const closeNew = registry.connect('p', '10.0.0.1');
    closeOld();
    closeOld(); // closing twice must not drop the newer stream
    expect(registry.list().map((p) => p.id)).toEqual(['p']);
    closeNew();
    expect(registry.list()).toEqual([]);
  });

  it('never moves the applied generation backwards, and ignores acks from unknown proxies', () => {
    const registry = new ProxyRegistry();
    expect(registry.recordAck(ack(1), 5)).toEqual({ recorded: false });
    registry.connect('p', undefined);
    expect(registry.allApplied(3)).toBe(false);
    registry.recordAck(ack(3), 12);
    registry.recordAck(ack(2), 40);
    expect(registry.list()[0]).toMatchObject({ appliedGeneration: 3, propagationMs: 12 });
    expect(registry.allApplied(3)).toBe(true);
    expect(registry.allApplied(4)).toBe(false);
    registry.recordAck(ack(4, false), undefined);
    expect(registry.list()[0]).toMatchObject({ appliedGeneration: 3, lastError: { generation: 4, message: 'no' } });
  });

  it('is vacuously all-applied with no proxies', () => {
    expect(new ProxyRegistry().allApplied(7)).toBe(true);
  });
});

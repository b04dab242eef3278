import { describe, expect, it } from 'vitest';
import { acknowledgement, describeAcknowledgement, formatMs, type ProxyList } from './acknowledgement.js';

const proxy = (id: string, appliedGeneration: number | null, propagationMs: number | null, connected = true): ProxyList['proxies'][number] => ({
  id,
  connected,
  connectedAt: '2026-01-01T00:00:00Z',
  remoteAddress: null,
  appliedGeneration,
  appliedAt: null,
  propagationMs,
  applyMs: null,
  lastError: null,
});

describe('acknowledgement of a change', () => {
  it('counts a proxy at a later generation as having the change', () => {
    expect(acknowledgement({ generation: 6, proxies: [proxy('a', 6, 3)] }, 5)).toMatchObject({ generation: 5, applied: 1, done: true });
  });

  it('counts connected proxies at the new generation and reports the slowest', () => {
    const partial = acknowledgement({ generation: 5, proxies: [proxy('a', 5, 12.5), proxy('b', 4, 3), proxy('gone', 3, null, false)] }, 5);
    expect(partial).toEqual({ generation: 5, applied: 1, connected: 2, slowestMs: 12.5, done: false });
    expect(describeAcknowledgement(partial)).toBe('generation 5 applied by 1/2 proxies so far');
    const done = acknowledgement({ generation: 5, proxies: [proxy('a', 5, 12.5), proxy('b', 6, 40)] }, 5);
    expect(done).toMatchObject({ applied: 2, connected: 2, slowestMs: 40, done: true });
    expect(describeAcknowledgement(acknowledgement({ generation: 5, proxies: [proxy('a', 5, 8.25)] }, 5))).toBe('generation 5 applied by 1/1 proxy in 8.3 ms');
  });

  it('says so when no proxy is connected', () => {
    const none = acknowledgement({ generation: 5, proxies: [] }, 5);
    expect(none.done).toBe(false);
    expect(describeAcknowledgement(none)).toBe('generation 5: no proxy connected to apply it');
  });

  it('formats times for reading', () => {
    expect([formatMs(0.42), formatMs(41.6), formatMs(12_345)]).toEqual(['0.4 ms', '42 ms', '12.3 s']);
  });
});

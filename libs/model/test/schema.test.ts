import { describe, expect, it } from 'vitest';
import { emptyConfig, redactKeys, REDACTED, RoutingTableSchema, StreamMessageSchema } from '../src/index.js';

const certificate = { id: 'default/site', certPem: 'CERT', keyPem: 'SECRET KEY', dnsNames: ['a.com'], notAfter: '2030-01-01T00:00:00Z' };

describe('RoutingTableSchema', () => {
  it('accepts an empty table and fills in certificates for tables from older APIs', () => {
    const { certificates, ...older } = { ...emptyConfig(), generation: 1 };
    expect(certificates).toEqual([]);
    expect(RoutingTableSchema.parse(older).certificates).toEqual([]);
  });

  it('names the field of an endpoint port out of range', () => {
    const table = {
      ...emptyConfig(),
      generation: 2,
      clusters: [{ id: 'c', service: { namespace: 'd', name: 's', port: 80 }, endpoints: [{ address: '10.0.0.1', port: 70000, ready: true }], lb: 'round-robin', sessionSticky: false }],
    };
    const result = RoutingTableSchema.safeParse(table);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['clusters', 0, 'endpoints', 0, 'port']);
  });

  it('rejects an unknown load-balancing policy and a TLS mode it does not know', () => {
    const cluster = { id: 'c', service: { namespace: 'd', name: 's', port: 80 }, endpoints: [], lb: 'random', sessionSticky: false };
    expect(RoutingTableSchema.safeParse({ ...emptyConfig(), generation: 1, clusters: [cluster] }).success).toBe(false);
    const vhost = { host: 'a.com', match: 'exact', routes: [], tls: { mode: 'mirror', httpPolicy: 'allow' } };
    expect(RoutingTableSchema.safeParse({ ...emptyConfig(), generation: 1, virtualHosts: [vhost] }).success).toBe(false);
  });
});

describe('redactKeys', () => {
  it('replaces every private key and leaves the rest, without touching the original', () => {
    const table = { ...emptyConfig(), generation: 3, certificates: [certificate] };
    const redacted = redactKeys(table);
    expect(redacted.certificates).toEqual([{ ...certificate, keyPem: REDACTED }]);
    expect(JSON.stringify(redacted)).not.toContain('SECRET KEY');
    expect(table.certificates[0].keyPem).toBe('SECRET KEY');
  });
});

describe('StreamMessageSchema', () => {
  it('tells config messages from pings', () => {
    expect(StreamMessageSchema.parse({ type: 'ping', generation: 4 }).type).toBe('ping');
    expect(StreamMessageSchema.safeParse({ type: 'hello' }).success).toBe(false);
  });
});

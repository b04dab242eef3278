import { describe, expect, it } from 'vitest';
import { cluster, hostSummary, routingTable, vhost } from '../routes/fixtures.js';
import { expiringSoon, tallies, trafficTotals, type CertificateList, type DiagnosticList, type TrafficSummary } from './overview-model.js';

const certificate = (namespace: string, name: string, daysLeft: number, problem: string | null = null) =>
  ({ id: `${namespace}/${name}`, namespace, name, problem, certificate: { daysLeft, notAfter: '2027-01-01T00:00:00Z' } }) as unknown as CertificateList['certificates'][number];

describe('overview tallies', () => {
  const table = routingTable(
    [vhost('a', [{ id: 'r1', path: '/', clusterId: 'up' }, { id: 'r2', path: '/x', clusterId: 'down' }]), vhost('b', [{ id: 'r3', path: '/', clusterId: 'up' }])],
    [cluster('up', 'up', [['10.0.0.1', 80, true]]), cluster('down', 'down', [['10.0.0.2', 80, false]])],
  );
  const certificates = { generation: 3, certificates: [certificate('default', 'fine', 200), certificate('default', 'soon', 5), certificate('default', 'broken', 100, 'no tls.crt')] } as CertificateList;
  const diagnostics: DiagnosticList = {
    generation: 3,
    diagnostics: [
      { severity: 'warning', code: 'CertificateExpiring', message: 'expires in 5 days', object: { kind: 'Secret', namespace: 'default', name: 'soon' } },
      { severity: 'error', code: 'InvalidAnnotation', message: 'bad', object: { kind: 'Ingress', namespace: 'default', name: 'x' } },
      { severity: 'warning', code: 'ShadowedRoute', message: 'shadowed', object: { kind: 'Ingress', namespace: 'default', name: 'x' } },
    ],
  };
  const proxy = (id: string, appliedGeneration: number, connected = true) => ({ id, connected, connectedAt: '', remoteAddress: null, appliedGeneration, appliedAt: null, propagationMs: 3, applyMs: 1, lastError: null });
  const proxies = { generation: 3, proxies: [proxy('p1', 3), proxy('p2', 2), proxy('old', 1, false)] };
  const hosts = [hostSummary('a', { diagnostics: [diagnostics.diagnostics[1]!] }), hostSummary('b')];

  it('counts each kind with its problems and where they are explained', () => {
    expect(tallies({ hosts, table, certificates, diagnostics, proxies }).map(({ label, count, problems, to }) => ({ label, count, problems, to }))).toEqual([
      { label: 'Hosts', count: 2, problems: 1, to: '/routes' },
      { label: 'Routes', count: 3, problems: 1, to: '/diagnostics' },
      { label: 'Backends', count: 2, problems: 1, to: '/routes?view=table' },
      { label: 'Certificates', count: 3, problems: 2, to: '/certificates' },
      { label: 'Proxies', count: 2, problems: 1, to: null },
    ]);
  });

  it('lists the certificates the API warns about, soonest first', () => {
    const expired = certificate('shop', 'old', -2);
    const list = { ...certificates, certificates: [...certificates.certificates, expired] };
    const warned = { ...diagnostics, diagnostics: [...diagnostics.diagnostics, { severity: 'error' as const, code: 'CertificateExpired', message: 'expired', object: { kind: 'Secret', namespace: 'shop', name: 'old' } }] };
    expect(expiringSoon(list, warned).map((c) => [c.id, c.daysLeft])).toEqual([['shop/old', -2], ['default/soon', 5]]);
  });
});

describe('trafficTotals', () => {
  const stats = (host: string, requests: number, errors: number, rps: number) => ({ host, requests, errors, requestsPerSecond: rps, errorRate: requests ? errors / requests : 0, latencyMs: { p50: null, p95: null, p99: null } });
  it('adds the hosts up; the error rate is over all requests, and unknown without any', () => {
    const traffic = { windowSeconds: 60, from: '', to: '', proxies: [], hosts: [stats('a', 90, 0, 1.5), stats('b', 10, 5, 0.25)], routes: [] } as TrafficSummary;
    expect(trafficTotals(traffic)).toEqual({ requestsPerSecond: 1.75, errorRate: 0.05 });
    expect(trafficTotals({ ...traffic, hosts: [] })).toEqual({ requestsPerSecond: 0, errorRate: null });
  });
});

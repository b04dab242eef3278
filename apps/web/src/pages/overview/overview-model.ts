import type { paths } from '../../api/schema.gen.js';
import type { HostSummary } from '../../components/host-modes.js';
import type { RoutingTable } from '../routes/route-graph.js';
import type { ProxyList } from '../hosts/acknowledgement.js';

type Json<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer T } } } } } ? T : never;
export type CertificateList = Json<'/api/v1/certificates'>;
export type DiagnosticList = Json<'/api/v1/diagnostics'>;
export type TrafficSummary = Json<'/api/v1/traffic'>;

export interface Tally {
  label: string;
  count: number;
  problems: number;
  /** What a problem means here, in words ("without a ready endpoint"). */
  problemWords: string;
  /** The page that explains the problems; null when this page does (the proxies' line above the counts). */
  to: string | null;
}

const EXPIRY_CODES = new Set(['CertificateExpiring', 'CertificateExpired']);

/** One card per kind of thing at the edge, each with how many of them have a problem and where to read about it. */
export function tallies(input: { hosts: HostSummary[]; table: RoutingTable; certificates: CertificateList; diagnostics: DiagnosticList; proxies: ProxyList }): Tally[] {
  const { hosts, table, certificates, diagnostics, proxies } = input;
  const ingressProblems = diagnostics.diagnostics.filter((d) => d.severity === 'error' && d.object?.kind === 'Ingress').length;
  const connected = proxies.proxies.filter((p) => p.connected);
  return [
    { label: 'Hosts', count: hosts.length, problems: hosts.filter((h) => h.diagnostics.length > 0).length, problemWords: 'with diagnostics', to: '/routes' },
    { label: 'Routes', count: table.virtualHosts.reduce((n, v) => n + v.routes.length, 0), problems: ingressProblems, problemWords: 'Ingress errors', to: '/diagnostics' },
    { label: 'Backends', count: table.clusters.length, problems: table.clusters.filter((c) => !c.endpoints.some((e) => e.ready)).length, problemWords: 'without a ready endpoint', to: '/routes?view=table' },
    {
      label: 'Certificates',
      count: certificates.certificates.length,
      problems: certificates.certificates.filter((c) => c.problem !== null || (c.certificate !== null && c.certificate.daysLeft < 0) || diagnostics.diagnostics.some((d) => EXPIRY_CODES.has(d.code) && sameSecret(d.object, c))).length,
      problemWords: 'unreadable, expired or expiring',
      to: '/certificates',
    },
    { label: 'Proxies', count: connected.length, problems: connected.filter((p) => p.appliedGeneration !== proxies.generation || p.lastError !== null).length, problemWords: 'behind or rejecting', to: null },
  ];
}

/** Certificates the API warns about (its own threshold, --cert-expiry-warning-days), soonest first. */
export function expiringSoon(certificates: CertificateList, diagnostics: DiagnosticList) {
  return certificates.certificates
    .filter((c) => c.certificate !== null && diagnostics.diagnostics.some((d) => EXPIRY_CODES.has(d.code) && sameSecret(d.object, c)))
    .map((c) => ({ id: c.id, namespace: c.namespace, name: c.name, daysLeft: c.certificate!.daysLeft, notAfter: c.certificate!.notAfter }))
    .sort((a, b) => a.daysLeft - b.daysLeft);
}

const sameSecret = (object: { kind: string; namespace?: string; name: string } | undefined, c: { namespace: string; name: string }) =>
  object !== undefined && object.kind === 'Secret' && (object.namespace ?? 'default') === c.namespace && object.name === c.name;

/** Requests per second and the 5xx share over every host. */
export function trafficTotals(traffic: TrafficSummary): { requestsPerSecond: number; errorRate: number | null } {
  const requests = traffic.hosts.reduce((n, h) => n + h.requests, 0);
  const errors = traffic.hosts.reduce((n, h) => n + h.errors, 0);
  return { requestsPerSecond: traffic.hosts.reduce((n, h) => n + h.requestsPerSecond, 0), errorRate: requests ? errors / requests : null };
}

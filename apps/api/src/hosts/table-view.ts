import { createHash } from 'node:crypto';
import { ServiceUnavailableException } from '@nestjs/common';
import { ANNOTATIONS, parseObjectRef } from '@portico/compiler';
import { normalizeHost, RouteIndex } from '@portico/matcher';
import type { Cluster, ClusterSnapshot, Diagnostic, IngressObject, ObjectRef, RoutingTable, VirtualHost } from '@portico/model';
import { caSubjects, parseCertificates } from '../certificates/pem.js';
import type { ConfigPipeline } from '../pipeline/config-pipeline.js';

/**
 * What the host, certificate and explain endpoints read: the current table (with the same RouteIndex the proxy
 * builds from it), the snapshot it was compiled from, and the diagnostics. Private keys are in `table.certificates`
 * here; nothing in this folder copies `keyPem` into an answer.
 */
export interface TableView {
  table: RoutingTable;
  index: RouteIndex;
  snapshot: ClusterSnapshot | undefined;
  diagnostics: Diagnostic[];
}

const indexes = new WeakMap<RoutingTable, RouteIndex>();

export function tableView(pipeline: ConfigPipeline): TableView {
  const table = pipeline.currentTable();
  if (!table) throw new ServiceUnavailableException('no routing table has been compiled yet');
  let index = indexes.get(table);
  if (!index) {
    index = new RouteIndex(table);
    indexes.set(table, index);
  }
  return { table, index, snapshot: pipeline.lastCompiled()?.snapshot, diagnostics: pipeline.diagnostics() };
}

export const ingressRef = (ingress: IngressObject): ObjectRef => ({ kind: 'Ingress', namespace: ingress.metadata?.namespace ?? 'default', name: ingress.metadata?.name ?? '' });
export const refKey = (ref: { namespace?: string | undefined; name: string }): string => `${ref.namespace ?? 'default'}/${ref.name}`;

const rulesOf = (ingress: IngressObject) => (Array.isArray(ingress.spec?.rules) ? ingress.spec.rules : []);
const tlsOf = (ingress: IngressObject) => (Array.isArray(ingress.spec?.tls) ? ingress.spec.tls : []);

/** The host names an Ingress's rules name (lower-case; `*` for a rule without a host). */
export function ruleHosts(ingress: IngressObject): string[] {
  return [...new Set(rulesOf(ingress).map((rule) => (typeof rule?.host === 'string' && rule.host ? rule.host.toLowerCase() : '*')))];
}

/** The hosts an Ingress terminates with `spec.tls[index]` (its listed hosts, else every rule host), the compiler's rule. */
export function tlsEntryHosts(ingress: IngressObject, index: number): string[] {
  const entry = tlsOf(ingress)[index];
  if (!entry) return [];
  if (Array.isArray(entry.hosts) && entry.hosts.length) return entry.hosts.map((h) => String(h).toLowerCase());
  return ruleHosts(ingress).filter((h) => h !== '*');
}

/** Ingresses whose rules name `host` (`*`: rules without a host). */
export function ingressesForHost(snapshot: ClusterSnapshot | undefined, host: string): IngressObject[] {
  return (snapshot?.ingresses ?? []).filter((ingress) => ruleHosts(ingress).includes(host));
}

/** Ingresses whose `spec.tls` covers `host`, with the entry index. */
export function tlsIngressesForHost(snapshot: ClusterSnapshot | undefined, host: string): Array<{ ingress: IngressObject; index: number }> {
  const out: Array<{ ingress: IngressObject; index: number }> = [];
  for (const ingress of snapshot?.ingresses ?? []) {
    tlsOf(ingress).forEach((_, index) => {
      if (tlsEntryHosts(ingress, index).includes(host)) out.push({ ingress, index });
    });
  }
  return out;
}

/** Diagnostics about a host: on an Ingress that names it (rules or spec.tls), or mentioning it by name. */
export function diagnosticsForHost(view: TableView, host: string): Diagnostic[] {
  const owners = new Set([...ingressesForHost(view.snapshot, host), ...tlsIngressesForHost(view.snapshot, host).map((t) => t.ingress)].map((i) => refKey(ingressRef(i))));
  return view.diagnostics.filter((d) => {
    if (d.object?.kind === 'Ingress' && owners.has(refKey(d.object))) return true;
    return host !== '*' && new RegExp(`(^|[\\s(])${escapeRegex(host)}([\\s),;:]|$)`).test(d.message);
  });
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type CertificateReason =
  | 'exact-host'
  | 'wildcard-host'
  | 'default-missing-secret'
  | 'default-invalid-certificate'
  | 'default-no-secret-name'
  | 'default-certificate-not-loaded'
  | 'no-sni'
  | 'no-tls-host';

export interface CertificateChoice {
  /** `host`: the host's own certificate; `table-default`: the settings' default certificate; `proxy-default`: the proxy's own (`--default-cert` or generated). */
  source: 'host' | 'table-default' | 'proxy-default';
  /** `namespace/name` of the Secret served, or null for the proxy's own certificate. */
  certificateId: string | null;
  reason: CertificateReason;
  detail: string;
  dnsNames: string[];
  notAfter: string | null;
  /** Whether the served certificate covers the name asked for; null when unknown (the proxy's own). */
  coversName: boolean | null;
  /** The diagnostics that explain a fallback to the default. */
  diagnostics: Diagnostic[];
}

const FALLBACK_CODES = new Map<string, CertificateReason>([
  ['SecretNotFound', 'default-missing-secret'],
  ['InvalidCertificate', 'default-invalid-certificate'],
  ['MissingSecretName', 'default-no-secret-name'],
]);

/** The certificate a TLS handshake with `serverName` gets, and why: the proxy's `certificateFor`, explained. */
export function certificateChoice(view: TableView, serverName: string | null): CertificateChoice {
  const name = serverName ? normalizeHost(serverName) : null;
  if (!name) return defaultChoice(view, 'no-sni', 'the client sent no SNI, so no host can be chosen: the default certificate is served', null, []);
  const vhost = view.index.tlsHost(name);
  if (!vhost?.tls || vhost.tls.mode !== 'terminate') {
    return defaultChoice(view, 'no-tls-host', `no host terminates TLS for ${name} (no spec.tls names it or a wildcard parent of it): the default certificate is served`, name, []);
  }
  const id = vhost.tls.certificateId;
  const cert = id ? view.table.certificates.find((c) => c.id === id) : undefined;
  if (id && cert) {
    const wildcard = vhost.match === 'wildcard';
    return {
      source: 'host',
      certificateId: id,
      reason: wildcard ? 'wildcard-host' : 'exact-host',
      detail: wildcard
        ? `${name} has no TLS settings of its own; its wildcard parent ${vhost.host} serves Secret ${id}`
        : `${vhost.host} names Secret ${id} in spec.tls`,
      dnsNames: cert.dnsNames,
      notAfter: cert.notAfter,
      coversName: coversAny(cert.dnsNames, name),
      diagnostics: [],
    };
  }
  const hostDiagnostics = tlsIngressesForHost(view.snapshot, vhost.host).flatMap(({ ingress, index }) =>
    view.diagnostics.filter((d) => d.object?.kind === 'Ingress' && refKey(d.object) === refKey(ingressRef(ingress)) && d.field?.startsWith(`spec.tls[${index}]`) && FALLBACK_CODES.has(d.code)),
  );
  const reason = hostDiagnostics.map((d) => FALLBACK_CODES.get(d.code)).find(Boolean) ?? (id ? 'default-certificate-not-loaded' : 'default-no-secret-name');
  const detail = hostDiagnostics[0]?.message ?? (id ? `Secret ${id} is not in the table` : `${vhost.host} has no certificate`);
  return defaultChoice(view, reason, `${vhost.host} terminates TLS but its certificate is unusable (${detail}): the default certificate is served`, name, hostDiagnostics);
}

function defaultChoice(view: TableView, reason: CertificateReason, detail: string, name: string | null, diagnostics: Diagnostic[]): CertificateChoice {
  const id = view.table.tlsSettings.defaultCertificateId;
  const cert = id ? view.table.certificates.find((c) => c.id === id) : undefined;
  if (id && cert) {
    return { source: 'table-default', certificateId: id, reason, detail: `${detail} (Secret ${id}, the settings' tls.defaultCertificate)`, dnsNames: cert.dnsNames, notAfter: cert.notAfter, coversName: name ? coversAny(cert.dnsNames, name) : null, diagnostics };
  }
  return { source: 'proxy-default', certificateId: null, reason, detail: `${detail} (the proxy's own: --default-cert, or the one it generated)`, dnsNames: [], notAfter: null, coversName: null, diagnostics };
}

function coversAny(names: string[], host: string): boolean {
  return names.some((n) => n === host || (n.startsWith('*.') && host.indexOf('.') > 0 && host.slice(host.indexOf('.')) === n.slice(1)));
}

export interface ClientVerification {
  required: boolean;
  caSubjects: string[];
  verifyDepth: number | null;
}

export function clientVerificationOf(vhost: VirtualHost | undefined): ClientVerification {
  const tls = vhost?.tls;
  if (tls?.mode !== 'terminate' || !tls.clientAuth) return { required: false, caSubjects: [], verifyDepth: null };
  return { required: true, caSubjects: caSubjects(tls.clientAuth.caPem), verifyDepth: tls.clientAuth.verifyDepth };
}

/**
 * The proxy's client-policy key (tls/client-auth-policy.ts): trusted CAs by fingerprint, sorted, plus the depth, so two
 * hosts with the same CAs in another order share a policy. Reimplemented here because the proxy's is not in a lib.
 */
export function clientPolicyKey(vhost: VirtualHost | undefined): string {
  const tls = vhost?.tls;
  if (tls?.mode !== 'terminate' || !tls.clientAuth) return 'none';
  const prints = parseCertificates(tls.clientAuth.caPem).map((c) => c.fingerprint256).sort();
  const identity = prints.length ? prints.join(',') : `unreadable:${createHash('sha256').update(tls.clientAuth.caPem).digest('hex')}`;
  return `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}/${tls.clientAuth.verifyDepth}`;
}

export interface UpstreamTlsSummary {
  verify: boolean;
  serverName: string;
  caSubjects: string[];
  clientCertificateId: string | null;
}

export interface ClusterSummary {
  id: string;
  service: Cluster['service'];
  lb: Cluster['lb'];
  sessionSticky: boolean;
  protocol: Cluster['protocol'];
  upstreamTls: UpstreamTlsSummary | null;
  endpoints: { total: number; ready: number; addresses: Array<{ address: string; port: number; ready: boolean; targetRef: string | null }> };
}

export function clusterSummary(table: RoutingTable, clusterId: string): ClusterSummary | null {
  const cluster = table.clusters.find((c) => c.id === clusterId);
  if (!cluster) return null;
  const up = cluster.upstreamTls;
  return {
    id: cluster.id,
    service: cluster.service,
    lb: cluster.lb,
    sessionSticky: cluster.sessionSticky,
    protocol: cluster.protocol,
    upstreamTls: up ? { verify: up.verify, serverName: up.serverName, caSubjects: caSubjects(up.caPem), clientCertificateId: up.clientCertificateId ?? null } : null,
    endpoints: {
      total: cluster.endpoints.length,
      ready: cluster.endpoints.filter((e) => e.ready).length,
      addresses: cluster.endpoints.map((e) => ({ address: e.address, port: e.port, ready: e.ready, targetRef: e.targetRef ? `${e.targetRef.kind}/${e.targetRef.namespace ? `${e.targetRef.namespace}/` : ''}${e.targetRef.name}` : null })),
    },
  };
}

/** Secrets an Ingress refers to, by role (namespace-qualified). */
export function secretReferences(ingress: IngressObject): Array<{ secret: string; role: 'tls' | 'client-ca' | 'upstream'; field: string; hosts: string[] }> {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const out: Array<{ secret: string; role: 'tls' | 'client-ca' | 'upstream'; field: string; hosts: string[] }> = [];
  const tlsHosts: string[] = [];
  tlsOf(ingress).forEach((entry, index) => {
    const hosts = tlsEntryHosts(ingress, index);
    tlsHosts.push(...hosts);
    if (typeof entry?.secretName === 'string' && entry.secretName) out.push({ secret: `${namespace}/${entry.secretName}`, role: 'tls', field: `spec.tls[${index}].secretName`, hosts });
  });
  const annotations = ingress.metadata?.annotations ?? {};
  const ca = annotations[ANNOTATIONS.tlsTrustedCaSecret];
  const caRef = ca ? parseObjectRef(ca, namespace) : undefined;
  if (caRef) out.push({ secret: `${caRef.namespace}/${caRef.name}`, role: 'client-ca', field: `metadata.annotations["${ANNOTATIONS.tlsTrustedCaSecret}"]`, hosts: [...new Set(tlsHosts)] });
  const upstream = annotations[ANNOTATIONS.upstreamSslSecret];
  const upRef = upstream ? parseObjectRef(upstream, namespace) : undefined;
  if (upRef) out.push({ secret: `${upRef.namespace}/${upRef.name}`, role: 'upstream', field: `metadata.annotations["${ANNOTATIONS.upstreamSslSecret}"]`, hosts: ruleHosts(ingress) });
  return out;
}

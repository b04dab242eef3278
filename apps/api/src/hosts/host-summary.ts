import type { Diagnostic, HttpPolicy, ObjectRef, VirtualHost } from '@portico/model';
import {
  certificateChoice,
  clientVerificationOf,
  clusterSummary,
  diagnosticsForHost,
  ingressesForHost,
  ingressRef,
  refKey,
  type CertificateChoice,
  type ClientVerification,
  type TableView,
  type UpstreamTlsSummary,
} from './table-view.js';

export interface HostSummary {
  host: string;
  match: VirtualHost['match'];
  /** `plain`: no TLS settings (plain HTTP, and the default certificate on the TLS port); `terminated`; `passthrough`. */
  mode: 'plain' | 'terminated' | 'passthrough';
  /** What plain HTTP requests for the host get; null for a plain host (served). */
  httpPolicy: HttpPolicy | null;
  /** The certificate a handshake naming this host gets, and why; null for passthrough (the backend's own). */
  certificate: CertificateChoice | null;
  passthrough: { clusterId: string; service: string | null } | null;
  clientVerification: ClientVerification;
  /** Upstream TLS of each cluster the host's routes use (null: plain to the upstream). */
  upstreams: Array<{ clusterId: string; service: string; upstreamTls: UpstreamTlsSummary | null }>;
  routes: number;
  ingresses: ObjectRef[];
  diagnostics: Diagnostic[];
}

export interface HostDetail extends HostSummary {
  routeList: Array<{ id: string; path: string; pathType: string; clusterId: string; rewrite: { from: string; to: string } | null; source: { ingress: ObjectRef; field: string } }>;
}

export function hostSummaries(view: TableView): HostSummary[] {
  return view.table.virtualHosts.map((vhost) => summarize(view, vhost));
}

export function hostDetail(view: TableView, host: string): HostDetail | undefined {
  const vhost = view.table.virtualHosts.find((v) => v.host === host.toLowerCase());
  if (!vhost) return undefined;
  return {
    ...summarize(view, vhost),
    routeList: vhost.routes.map((r) => ({ id: r.id, path: r.path, pathType: r.pathType, clusterId: r.clusterId, rewrite: r.rewrite ?? null, source: r.source })),
  };
}

function summarize(view: TableView, vhost: VirtualHost): HostSummary {
  const tls = vhost.tls;
  const mode = !tls ? 'plain' : tls.mode === 'passthrough' ? 'passthrough' : 'terminated';
  // For a wildcard virtual host, the certificate choice is the one for a name under it.
  const probe = vhost.match === 'wildcard' ? `x${vhost.host.slice(1)}` : vhost.host;
  const certificate = mode === 'passthrough' || vhost.match === 'any' ? null : certificateChoice(view, probe);
  const clusterIds = [...new Set(vhost.routes.map((r) => r.clusterId))];
  const upstreams = clusterIds.flatMap((id) => {
    const cluster = clusterSummary(view.table, id);
    return cluster ? [{ clusterId: id, service: `${cluster.service.namespace}/${cluster.service.name}:${cluster.service.port}`, upstreamTls: cluster.upstreamTls }] : [];
  });
  const owners = new Map<string, ObjectRef>();
  for (const ingress of ingressesForHost(view.snapshot, vhost.host)) owners.set(refKey(ingressRef(ingress)), ingressRef(ingress));
  for (const route of vhost.routes) owners.set(refKey(route.source.ingress), route.source.ingress);
  const passCluster = tls?.mode === 'passthrough' ? clusterSummary(view.table, tls.clusterId) : null;
  return {
    host: vhost.host,
    match: vhost.match,
    mode,
    httpPolicy: tls?.httpPolicy ?? null,
    certificate,
    passthrough: tls?.mode === 'passthrough' ? { clusterId: tls.clusterId, service: passCluster ? `${passCluster.service.namespace}/${passCluster.service.name}` : null } : null,
    clientVerification: clientVerificationOf(vhost),
    upstreams,
    routes: vhost.routes.length,
    ingresses: [...owners.values()].sort((a, b) => refKey(a).localeCompare(refKey(b))),
    diagnostics: diagnosticsForHost(view, vhost.host),
  };
}

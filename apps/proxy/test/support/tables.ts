import { defaultTlsSettings, type Cluster, type Endpoint, type LbPolicy, type Route, type RoutingTable, type VirtualHost } from '@portico/model';

const source = { ingress: { kind: 'Ingress', namespace: 'default', name: 'test' }, field: 'spec.rules[0].http.paths[0]' };

export function endpoint(port: number, ready = true, address = '127.0.0.1'): Endpoint {
  return { address, port, ready };
}

export function cluster(id: string, endpoints: Endpoint[], lb: LbPolicy = 'round-robin', sessionSticky = false): Cluster {
  return { id, service: { namespace: 'default', name: id, port: 80 }, endpoints, lb, sessionSticky, protocol: 'http1' };
}

export function route(id: string, path: string, pathType: 'Exact' | 'Prefix', clusterId: string, rewrite?: Route['rewrite']): Route {
  return { id, path, pathType, declaredPathType: pathType, clusterId, ...(rewrite ? { rewrite } : {}), source };
}

export function vhost(host: string, routes: Route[], tls?: VirtualHost['tls']): VirtualHost {
  const match = host === '*' ? 'any' : host.startsWith('*.') ? 'wildcard' : 'exact';
  return { host, match, routes, ...(tls ? { tls } : {}) };
}

export function table(generation: number, virtualHosts: VirtualHost[], clusters: Cluster[], defaultClusterId?: string): RoutingTable {
  return {
    generation,
    virtualHosts,
    clusters,
    defaultBackend: defaultClusterId ? { clusterId: defaultClusterId, source: { ...source, field: 'spec.defaultBackend' } } : null,
    certificates: [],
    tlsSettings: defaultTlsSettings(),
  };
}

/** One host-less Prefix `/` route to one cluster: the smallest useful table. */
export function catchAll(generation: number, clusterId: string, endpoints: Endpoint[], lb: LbPolicy = 'round-robin', sticky = false): RoutingTable {
  return table(generation, [vhost('*', [route(`r-${clusterId}`, '/', 'Prefix', clusterId)])], [cluster(clusterId, endpoints, lb, sticky)]);
}

/** A certificate entry for a table (`id` is `namespace/secret` in real tables). */
export function certificate(id: string, pem: { certPem: string; keyPem: string }, dnsNames: string[] = []): RoutingTable['certificates'][number] {
  return { id, certPem: pem.certPem, keyPem: pem.keyPem, dnsNames, notAfter: new Date(Date.now() + 86_400_000).toISOString() };
}

/** A terminated host; with `clientAuth`, one that requires client certificates from those CAs. */
export function terminate(
  certificateId: string | null,
  httpPolicy: 'redirect' | 'reject' | 'allow' = 'redirect',
  clientAuth?: { caPem: string; verifyDepth: number },
): NonNullable<VirtualHost['tls']> {
  return { mode: 'terminate', certificateId, httpPolicy, ...(clientAuth ? { clientAuth } : {}) };
}

export function passthrough(clusterId: string, httpPolicy: 'redirect' | 'reject' | 'allow' = 'redirect'): NonNullable<VirtualHost['tls']> {
  return { mode: 'passthrough', clusterId, httpPolicy };
}

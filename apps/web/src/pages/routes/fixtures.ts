import type { HostSummary } from '../../components/host-modes.js';
import type { RoutingTable } from './route-graph.js';

/** Test data shaped like the API's answers for the demo: built by hand so each test states what it relies on. */
export function hostSummary(host: string, overrides: Partial<HostSummary> = {}): HostSummary {
  return {
    host,
    match: 'exact',
    mode: 'plain',
    httpPolicy: null,
    certificate: null,
    passthrough: null,
    clientVerification: { required: false, caSubjects: [], verifyDepth: null },
    upstreams: [{ clusterId: 'default/demo:80', service: 'default/demo:80', upstreamTls: null }],
    routes: 1,
    ingresses: [{ kind: 'Ingress', namespace: 'default', name: host.split('.')[0]! }],
    diagnostics: [],
    ...overrides,
  };
}

type Cluster = RoutingTable['clusters'][number];
type VirtualHost = RoutingTable['virtualHosts'][number];

export function cluster(id: string, name: string, endpoints: Array<[string, number, boolean]>, overrides: Partial<Cluster> = {}): Cluster {
  return {
    id,
    service: { namespace: 'default', name, port: 80 },
    endpoints: endpoints.map(([address, port, ready]) => ({ address, port, ready, targetRef: { kind: 'Pod', name: `${name}-${port}` } })),
    lb: 'round-robin',
    sessionSticky: false,
    protocol: 'http1',
    ...overrides,
  } as Cluster;
}

export function vhost(host: string, routes: Array<{ id: string; path: string; clusterId: string; rewrite?: { from: string; to: string } }>): VirtualHost {
  return {
    host,
    match: 'exact',
    routes: routes.map((r) => ({ ...r, pathType: 'Prefix', declaredPathType: 'Prefix', source: { ingress: { kind: 'Ingress', namespace: 'default', name: 'x' }, field: 'spec.rules[0]' } })),
  } as VirtualHost;
}

export function routingTable(virtualHosts: VirtualHost[], clusters: Cluster[]): RoutingTable {
  return { generation: 3, virtualHosts, clusters, defaultBackend: null, certificates: [], tlsSettings: {} } as unknown as RoutingTable;
}

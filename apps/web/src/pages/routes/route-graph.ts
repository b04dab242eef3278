import type { paths } from '../../api/schema.gen.js';
import { hostModes, type HostSummary } from '../../components/host-modes.js';
import type { TlsMode } from '../../components/tls-mode.js';

/** What GET /api/v1/routes answers (keys redacted), named by the operation so a schema rename cannot break it. */
export type RoutingTable = paths['/api/v1/routes']['get']['responses'][200]['content']['application/json'];
type Cluster = RoutingTable['clusters'][number];

export type GraphNode =
  | { id: string; kind: 'host'; column: 0; y: number; host: string; modes: TlsMode[]; problems: number }
  | { id: string; kind: 'route'; column: 1; y: number; host: string; label: string; detail: string; passthrough: boolean }
  | { id: string; kind: 'service'; column: 2; y: number; label: string; detail: string; ready: number; total: number; tls: boolean }
  | { id: string; kind: 'endpoint'; column: 3; y: number; label: string; detail: string; ready: boolean };

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** An edge into a service whose endpoints are all down, or into a down endpoint: drawn as a problem. */
  broken: boolean;
}

export interface RouteGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Rows the layout uses (for the canvas height). */
  rows: number;
}

/**
 * Host → path → service → endpoints, laid out in four columns. A node sits level with the first node that leads to
 * it, or just below the previous node of its column, so shared services and endpoints appear once and lines stay short.
 * A passthrough host has one "path" node: every TLS connection goes to its backend, whatever the path.
 */
export function buildRouteGraph(hosts: HostSummary[], table: RoutingTable): RouteGraph {
  const clusters = new Map(table.clusters.map((c) => [c.id, c]));
  const nextRow = [0, 0, 0, 0];
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const place = (column: 0 | 1 | 2 | 3, wanted: number) => {
    const y = Math.max(nextRow[column]!, wanted);
    nextRow[column] = y + 1;
    return y;
  };
  const edge = (source: string, target: string, broken: boolean) => edges.set(`${source}->${target}`, { id: `${source}->${target}`, source, target, broken });

  for (const summary of hosts) {
    const hostId = `host:${summary.host}`;
    const hostY = place(0, Math.max(...nextRow));
    nodes.set(hostId, { id: hostId, kind: 'host', column: 0, y: hostY, host: summary.host, modes: hostModes(summary), problems: summary.diagnostics.length });
    for (const step of hostSteps(summary, table)) {
      const routeId = `route:${summary.host}:${step.key}`;
      nodes.set(routeId, { id: routeId, kind: 'route', column: 1, y: place(1, hostY), host: summary.host, label: step.label, detail: step.detail, passthrough: step.passthrough });
      edge(hostId, routeId, false);
      const cluster = clusters.get(step.clusterId);
      if (!cluster) continue;
      const serviceId = `service:${cluster.id}`;
      const ready = cluster.endpoints.filter((e) => e.ready).length;
      if (!nodes.has(serviceId)) {
        const serviceY = place(2, nodes.get(routeId)!.y);
        nodes.set(serviceId, { id: serviceId, kind: 'service', column: 2, y: serviceY, ...serviceLabel(cluster), ready, total: cluster.endpoints.length, tls: Boolean(cluster.upstreamTls) });
        for (const endpoint of cluster.endpoints) {
          const address = `${endpoint.address}:${endpoint.port}`;
          const endpointId = `endpoint:${address}`;
          if (!nodes.has(endpointId)) {
            const detail = endpoint.targetRef ? `${endpoint.targetRef.kind} ${endpoint.targetRef.name}` : 'no pod named';
            nodes.set(endpointId, { id: endpointId, kind: 'endpoint', column: 3, y: place(3, serviceY), label: address, detail, ready: endpoint.ready });
          }
          edge(serviceId, endpointId, !endpoint.ready);
        }
      }
      edge(routeId, serviceId, ready === 0);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], rows: Math.max(...nextRow) };
}

export interface HostStep {
  key: string;
  /** The path, or "every TLS connection" for passthrough. */
  label: string;
  detail: string;
  clusterId: string;
  passthrough: boolean;
}

/** Where a host's traffic goes: one step per path, or a single one for a passthrough host (its paths do not apply). */
export function hostSteps(summary: HostSummary, table: RoutingTable): HostStep[] {
  if (summary.mode === 'passthrough' && summary.passthrough) {
    return [{ key: 'passthrough', label: 'every TLS connection', detail: 'passthrough: paths do not apply', clusterId: summary.passthrough.clusterId, passthrough: true }];
  }
  const routes = table.virtualHosts.find((v) => v.host === summary.host)?.routes ?? [];
  return routes.map((r) => ({ key: r.id, label: r.path, detail: r.pathType + (r.rewrite ? ` · rewrite ${r.rewrite.from} → ${r.rewrite.to}` : ''), clusterId: r.clusterId, passthrough: false }));
}

/** `namespace/name:port`, how every page names a backend. */
export const serviceName = ({ service }: Pick<Cluster, 'service'>) => `${service.namespace}/${service.name}:${service.port}`;

function serviceLabel(cluster: Cluster): { label: string; detail: string } {
  const policy = [cluster.lb, cluster.sessionSticky ? 'sticky' : null, cluster.upstreamTls ? 'HTTPS' : null, cluster.protocol === 'h2' ? 'HTTP/2' : null].filter(Boolean);
  return { label: serviceName(cluster), detail: policy.join(' · ') };
}

import { describe, expect, it } from 'vitest';
import { cluster, hostSummary, routingTable, vhost } from './fixtures.js';
import { buildRouteGraph } from './route-graph.js';

const demo = cluster('default/demo:80', 'demo', [['127.0.0.1', 18081, true], ['127.0.0.1', 18082, true]]);
const down = cluster('default/down:80', 'down', [['127.0.0.1', 19000, false]]);
const tlsBackend = cluster('default/demo-tls:https', 'demo-tls', [['127.0.0.1', 18083, true]]);

describe('buildRouteGraph', () => {
  const table = routingTable(
    [
      vhost('demo.localhost', [
        { id: 'r1', path: '/hi', clusterId: demo.id },
        { id: 'r2', path: '/httpbin', clusterId: demo.id, rewrite: { from: '^/httpbin', to: '/' } },
        { id: 'r3', path: '/broken', clusterId: down.id },
      ]),
      vhost('secure.demo.localhost', [{ id: 'r4', path: '/', clusterId: demo.id }]),
      vhost('passthrough.demo.localhost', [{ id: 'r5', path: '/', clusterId: tlsBackend.id }, { id: 'r6', path: '/api', clusterId: demo.id }]),
    ],
    [demo, down, tlsBackend],
  );
  const hosts = [
    hostSummary('demo.localhost'),
    hostSummary('secure.demo.localhost', { mode: 'terminated' }),
    hostSummary('passthrough.demo.localhost', { mode: 'passthrough', passthrough: { clusterId: tlsBackend.id, service: 'default/demo-tls' } }),
  ];
  const graph = buildRouteGraph(hosts, table);
  const byKind = (kind: string) => graph.nodes.filter((n) => n.kind === kind);

  it('draws host → path → service → endpoint, a shared service and its endpoints once', () => {
    expect(byKind('host').map((n) => n.id)).toEqual(['host:demo.localhost', 'host:secure.demo.localhost', 'host:passthrough.demo.localhost']);
    expect(byKind('service').map((n) => n.id)).toEqual(['service:default/demo:80', 'service:default/down:80', 'service:default/demo-tls:https']);
    expect(byKind('endpoint')).toHaveLength(4);
    const intoDemo = graph.edges.filter((e) => e.target === 'service:default/demo:80').map((e) => e.source);
    expect(intoDemo).toEqual(['route:demo.localhost:r1', 'route:demo.localhost:r2', 'route:secure.demo.localhost:r4']);
    expect(graph.edges.filter((e) => e.source === 'service:default/demo:80').map((e) => e.target)).toEqual(['endpoint:127.0.0.1:18081', 'endpoint:127.0.0.1:18082']);
  });

  it('gives a passthrough host one step to its backend: its paths do not apply', () => {
    const steps = byKind('route').filter((n) => n.id.startsWith('route:passthrough.demo.localhost'));
    expect(steps).toMatchObject([{ label: 'every TLS connection', passthrough: true }]);
    expect(graph.edges).toContainEqual(expect.objectContaining({ source: steps[0]!.id, target: 'service:default/demo-tls:https' }));
  });

  it('marks the way into a service without a ready endpoint, and into a down endpoint, as broken', () => {
    expect(graph.edges.filter((e) => e.broken).map((e) => e.id)).toEqual(['service:default/down:80->endpoint:127.0.0.1:19000', 'route:demo.localhost:r3->service:default/down:80']);
  });

  it('lays nodes out without two in one place, each level with or below what leads to it', () => {
    for (const column of [0, 1, 2, 3]) {
      const rows = graph.nodes.filter((n) => n.column === column).map((n) => n.y);
      expect(new Set(rows).size).toBe(rows.length);
    }
    const y = new Map(graph.nodes.map((n) => [n.id, n.y]));
    for (const edge of graph.edges) {
      // A target shared by several sources sits level with the first of them, never above it.
      const first = graph.edges.find((e) => e.target === edge.target)!;
      expect(y.get(edge.target)!).toBeGreaterThanOrEqual(y.get(first.source)!);
    }
    expect(y.get('host:secure.demo.localhost')).toBeGreaterThan(y.get('route:demo.localhost:r3')!);
    expect(graph.rows).toBe(Math.max(...graph.nodes.map((n) => n.y)) + 1);
  });

  it('is empty for no hosts', () => {
    expect(buildRouteGraph([], table)).toEqual({ nodes: [], edges: [], rows: 0 });
  });
});

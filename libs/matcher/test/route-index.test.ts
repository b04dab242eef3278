import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultTlsSettings, type CompiledConfig, type Route } from '@portico/model';
import { pathVerdict, prefixKey, RouteIndex } from '../src/index.js';

function table(routes: Array<Pick<Route, 'path' | 'pathType'>>): CompiledConfig {
  return {
    virtualHosts: [
      {
        host: 'h.com',
        match: 'exact',
        routes: routes.map((r, i) => ({
          id: `r${i}`,
          path: r.pathType === 'Prefix' ? prefixKey(r.path) : r.path,
          pathType: r.pathType,
          declaredPathType: r.pathType,
          clusterId: 'c',
          source: { ingress: { kind: 'Ingress', namespace: 'default', name: 'i' }, field: `spec.rules[0].http.paths[${i}]` },
        })),
      },
    ],
    clusters: [{ id: 'c', service: { namespace: 'default', name: 's', port: 80 }, endpoints: [], lb: 'round-robin', sessionSticky: false, protocol: 'http1' }],
    defaultBackend: null,
    certificates: [],
    tlsSettings: defaultTlsSettings(),
  };
}

/** The Ingress precedence rule stated directly: of all matching paths, the longest; on a tie, Exact. */
function reference(routes: Route[], path: string): Route | undefined {
  const matching = routes.filter((r) => pathVerdict(r, path).matched);
  const length = (r: Route) => (r.pathType === 'Exact' ? r.path.length : prefixKey(r.path) === '/' ? 0 : prefixKey(r.path).length);
  matching.sort((a, b) => length(b) - length(a) || (a.pathType === 'Exact' ? -1 : 1) - (b.pathType === 'Exact' ? -1 : 1));
  return matching[0];
}

const segment = fc.constantFrom('a', 'b', 'ab', 'c');
const pathArb = fc.array(segment, { minLength: 0, maxLength: 4 }).chain((segs) =>
  fc.boolean().map((slash) => '/' + segs.join('/') + (slash && segs.length > 0 ? '/' : '')),
);
const routeArb = fc.record({ path: pathArb, pathType: fc.constantFrom('Exact' as const, 'Prefix' as const) });

describe('RouteIndex precedence (property)', () => {
  it('agrees with the stated rule for any set of paths and any request', () => {
    fc.assert(
      fc.property(fc.uniqueArray(routeArb, { selector: (r) => `${r.pathType}:${r.pathType === 'Prefix' ? prefixKey(r.path) : r.path}`, maxLength: 8 }), pathArb, (routes, request) => {
        const config = table(routes);
        const hit = new RouteIndex(config).match('h.com', request);
        const expected = reference(config.virtualHosts[0].routes, request);
        expect(hit?.kind === 'route' ? hit.route.id : undefined).toBe(expected?.id);
      }),
      { numRuns: 500 },
    );
  });

  it('the order of routes in the table does not change the decision', () => {
    fc.assert(
      fc.property(fc.uniqueArray(routeArb, { selector: (r) => `${r.pathType}:${prefixKey(r.path)}`, maxLength: 8 }), pathArb, (routes, request) => {
        const forward = new RouteIndex(table(routes)).match('h.com', request);
        const backward = new RouteIndex(table([...routes].reverse())).match('h.com', request);
        const describe = (m: typeof forward) => (m?.kind === 'route' ? `${m.route.pathType}:${m.route.path}` : null);
        expect(describe(forward)).toBe(describe(backward));
      }),
      { numRuns: 300 },
    );
  });
});

describe('RouteIndex explanations', () => {
  it('lists every candidate of the consulted hosts with a verdict', () => {
    const index = new RouteIndex(table([{ path: '/a', pathType: 'Prefix' }, { path: '/a/b', pathType: 'Exact' }]));
    const candidates = index.candidates('H.com:80', '/a/c');
    expect(candidates.map((c) => [c.route.path, c.matched])).toEqual([['/a', true], ['/a/b', false]]);
    expect(index.hostChain('other.com')).toEqual([]);
  });
});

describe('RouteIndex.tlsHost', () => {
  const config = (): CompiledConfig => {
    const base = table([{ path: '/', pathType: 'Prefix' }]);
    const exact = base.virtualHosts[0];
    return {
      ...base,
      virtualHosts: [
        { ...exact, host: 'a.foo.com', tls: { mode: 'terminate', certificateId: 'default/a', httpPolicy: 'redirect' } },
        { ...exact, host: 'plain.foo.com' },
        { ...exact, host: '*.foo.com', match: 'wildcard', tls: { mode: 'passthrough', clusterId: 'c', httpPolicy: 'allow' } },
      ],
    };
  };
  it('prefers the exact host, then the wildcard; a host without TLS settings defers to its wildcard', () => {
    const index = new RouteIndex(config());
    expect(index.tlsHost('A.foo.com')?.host).toBe('a.foo.com');
    expect(index.tlsHost('b.foo.com')?.host).toBe('*.foo.com');
    expect(index.tlsHost('plain.foo.com')?.host).toBe('*.foo.com');
  });
  it('no SNI, or a name nothing claims, has no TLS host', () => {
    const index = new RouteIndex(config());
    expect(index.tlsHost(null)).toBeUndefined();
    expect(index.tlsHost('x.y.foo.com')).toBeUndefined();
  });
});

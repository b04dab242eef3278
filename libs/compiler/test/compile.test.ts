import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompiledConfigSchema } from '@portico/model';
import { compile } from '../src/index.js';
import { ingress, service, slice, snapshot, withBackends } from './fixtures.js';

describe('conflicts between Ingresses', () => {
  const a = ingress('a-newer', { created: '2024-05-01T00:00:00Z', rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'a' }] }] });
  const b = ingress('b-older', { created: '2024-01-01T00:00:00Z', rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'b' }] }] });

  it('the older creationTimestamp wins the same host+path, the loser gets a RouteConflict diagnostic', () => {
    const { config, diagnostics } = compile(withBackends([a, b]));
    const routes = config.virtualHosts[0].routes;
    expect(routes).toHaveLength(1);
    expect(routes[0].source.ingress.name).toBe('b-older');
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'RouteConflict', object: expect.objectContaining({ name: 'a-newer' }), field: 'spec.rules[0].http.paths[0]' }),
    ]);
  });

  it('objects without a timestamp sort after those with one, then by namespace/name', () => {
    const noTime1 = ingress('zeta', { rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'c' }] }] });
    const noTime2 = ingress('alpha', { rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'd' }] }] });
    expect(compile(withBackends([noTime1, noTime2, a])).config.virtualHosts[0].routes[0].source.ingress.name).toBe('a-newer');
    expect(compile(withBackends([noTime1, noTime2])).config.virtualHosts[0].routes[0].source.ingress.name).toBe('alpha');
  });

  it('Exact and Prefix on the same path do not collide; ImplementationSpecific is matched as Prefix, so it is shadowed', () => {
    const exact = ingress('e', { rules: [{ host: 'foo.com', paths: [{ path: '/x', pathType: 'Exact', service: 'c' }] }] });
    const impl = ingress('i', { rules: [{ host: 'foo.com', paths: [{ path: '/x', pathType: 'ImplementationSpecific', service: 'c' }] }] });
    expect(compile(withBackends([a, exact])).diagnostics).toEqual([]);
    expect(compile(withBackends([b, impl])).diagnostics.map((d) => d.code)).toEqual(['ShadowedRoute']);
  });
});

describe('invalid Ingresses', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a missing pathType', { rules: [{ host: 'foo.com', http: { paths: [{ path: '/', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] }, 'spec.rules[0].http.paths[0].pathType'],
    ['a relative path', { rules: [{ http: { paths: [{ path: 'x', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] }, 'spec.rules[0].http.paths[0].path'],
    ['a Prefix path left out', { rules: [{ http: { paths: [{ pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] }, 'spec.rules[0].http.paths[0].path'],
    ['an IP address as host', { rules: [{ host: '10.1.2.3', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] }, 'spec.rules[0].host'],
    ['a wildcard that is not the whole leftmost label', { rules: [{ host: 'f*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] }, 'spec.rules[0].host'],
    ['a port with both number and name', { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80, name: 'http' } } } }] } }] }, 'spec.rules[0].http.paths[0].backend.service.port'],
    ['a port out of range', { defaultBackend: { service: { name: 'a', port: { number: 70000 } } } }, 'spec.defaultBackend.service.port.number'],
    ['neither rules nor defaultBackend', {}, 'spec'],
    ['a backend with both service and resource', { defaultBackend: { service: { name: 'a', port: { number: 80 } }, resource: { kind: 'Bucket', name: 'b' } } }, 'spec.defaultBackend'],
  ];
  for (const [what, spec, field] of cases) {
    it(`${what}: error naming ${field}; the Ingress is not served, the others are`, () => {
      const bad = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec: { ingressClassName: 'portico', ...spec } };
      const good = ingress('good', { rules: [{ host: 'good.com', paths: [{ service: 'a' }] }] });
      const { config, diagnostics } = compile(withBackends([bad, good]));
      expect(config.virtualHosts.map((v) => v.host)).toEqual(['good.com']);
      expect(config.defaultBackend).toBeNull();
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics).toContainEqual(
        expect.objectContaining({ severity: 'error', code: 'InvalidIngress', field, object: { kind: 'Ingress', namespace: 'default', name: 'bad' } }),
      );
    });
  }

  it('each wrong path gets only the reasons that apply to it', () => {
    const path = (value: string) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' },
      spec: { ingressClassName: 'portico', rules: [{ http: { paths: [{ path: value, pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] },
    });
    const messages = (value: string) => compile(withBackends([path(value)])).diagnostics.filter((d) => d.field === 'spec.rules[0].http.paths[0].path').map((d) => d.message);
    expect(messages('no-slash')).toEqual([expect.stringContaining('must be an absolute path')]);
    expect(messages('/bad%zzescape')).toEqual([expect.stringContaining('malformed percent-encoding')]);
  });

  it('a resource backend is reported unsupported and only that path is skipped', () => {
    const ing = ingress('res', { rules: [{ host: 'foo.com', paths: [{ path: '/a', service: 'a' }, { path: '/b', service: 'b' }] }] });
    const paths = (ing.spec!.rules![0].http!.paths!);
    paths[1].backend = { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } };
    const { config, diagnostics } = compile(withBackends([ing]));
    expect(config.virtualHosts[0].routes.map((r) => r.path)).toEqual(['/a']);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'UnsupportedBackend', field: 'spec.rules[0].http.paths[1].backend.resource' })]);
  });

  it('a host in upper case is matched in lower case, with a warning', () => {
    const ing = ingress('up', { rules: [{ host: 'Foo.COM', paths: [{ service: 'a' }] }] });
    const { config, diagnostics } = compile(withBackends([ing]));
    expect(config.virtualHosts[0].host).toBe('foo.com');
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'HostNotLowercase', field: 'spec.rules[0].host' })]);
  });

  it('rule paths are normalised with the same policy as requests', () => {
    const ing = ingress('norm', { rules: [{ host: 'foo.com', paths: [{ path: '/a//b/./c/%7Euser/', service: 'a' }] }] });
    expect(compile(withBackends([ing])).config.virtualHosts[0].routes[0].path).toBe('/a/b/c/~user');
  });
});

describe('backends: Services and EndpointSlices', () => {
  const ing = (port: number | string = 80) => ingress('web', { rules: [{ host: 'foo.com', paths: [{ service: 'web', port }] }] });

  it('resolves a numbered Service port to the EndpointSlice port of the same name', () => {
    const snap = snapshot({
      ingresses: [ing(80)],
      services: [service('web', [{ port: 80, name: 'http' }, { port: 9000, name: 'metrics' }])],
      endpointSlices: [
        {
          kind: 'EndpointSlice',
          metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
          addressType: 'IPv4',
          ports: [{ name: 'metrics', port: 9100 }, { name: 'http', port: 8080 }],
          endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } }],
        },
      ],
    });
    const { config, diagnostics } = compile(snap);
    expect(diagnostics).toEqual([]);
    expect(config.clusters[0].endpoints).toEqual([{ address: '10.1.0.1', port: 8080, ready: true, targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } }]);
  });

  it('resolves a named Service port', () => {
    const snap = snapshot({ ingresses: [ing('http')], services: [service('web', [{ port: 80, name: 'http' }])], endpointSlices: [slice('web', [{ address: '10.1.0.1' }], { port: 8080, name: 'http' })] });
    expect(compile(snap).config.clusters[0]).toMatchObject({ id: 'default/web:http', endpoints: [{ address: '10.1.0.1', port: 8080 }] });
  });

  it('merges several slices, keeps not-ready endpoints marked, treats a nil ready condition as ready, supports IPv6', () => {
    const snap = snapshot({
      ingresses: [ing()],
      services: [service('web')],
      endpointSlices: [
        slice('web', [{ address: '10.1.0.2', ready: false }, { address: '10.1.0.1' }], { port: 8080 }, 'default', 'a'),
        { ...slice('web', [{ address: 'fd00::1', ready: true }], { port: 8080 }, 'default', 'b'), addressType: 'IPv6' },
        slice('other', [{ address: '10.9.9.9' }], { port: 8080 }, 'default', 'c'),
      ],
    });
    expect(compile(snap).config.clusters[0].endpoints).toEqual([
      { address: '10.1.0.1', port: 8080, ready: true },
      { address: '10.1.0.2', port: 8080, ready: false },
      { address: 'fd00::1', port: 8080, ready: true },
    ]);
  });

  it('a missing Service or port is a diagnostic and a cluster without endpoints (503), not a vanished route', () => {
    const missingService = compile(snapshot({ ingresses: [ing()] }));
    expect(missingService.config.virtualHosts[0].routes).toHaveLength(1);
    expect(missingService.config.clusters[0].endpoints).toEqual([]);
    expect(missingService.diagnostics).toEqual([expect.objectContaining({ code: 'ServiceNotFound', field: 'spec.rules[0].http.paths[0].backend.service.name' })]);
    const missingPort = compile(snapshot({ ingresses: [ing(81)], services: [service('web')] }));
    expect(missingPort.diagnostics).toEqual([expect.objectContaining({ code: 'ServicePortNotFound', field: 'spec.rules[0].http.paths[0].backend.service.port' })]);
  });

  it('Services are looked up in the Ingress’s own namespace', () => {
    const other = ingress('web', { namespace: 'team', rules: [{ host: 'foo.com', paths: [{ service: 'web' }] }] });
    const snap = snapshot({ ingresses: [other], services: [service('web')], endpointSlices: [slice('web', [{ address: '10.1.0.1' }])] });
    expect(compile(snap).diagnostics.map((d) => d.code)).toEqual(['ServiceNotFound']);
  });
});

describe('determinism', () => {
  const ings = [
    ingress('one', { created: '2024-01-01T00:00:00Z', rules: [{ host: 'foo.com', paths: [{ path: '/', service: 'a' }, { path: '/api', pathType: 'Exact', service: 'b' }] }] }),
    ingress('two', { rules: [{ host: '*.foo.com', paths: [{ path: '/', service: 'c' }] }, { paths: [{ path: '/x', service: 'd' }] }] }),
    ingress('three', { rules: [{ host: 'foo.com', paths: [{ path: '/api', pathType: 'Exact', service: 'c' }] }], defaultBackend: { service: 'def' } }),
    ingress('four', { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'bogus' }, rules: [{ host: 'bar.com', paths: [{ service: 'missing' }] }] }),
  ];

  it('the same objects in any order give the same table and diagnostics', () => {
    const reference = JSON.stringify(compile(withBackends(ings)));
    fc.assert(
      fc.property(fc.shuffledSubarray(ings, { minLength: ings.length, maxLength: ings.length }), (shuffled) => {
        expect(JSON.stringify(compile(withBackends(shuffled)))).toBe(reference);
      }),
      { numRuns: 50 },
    );
  });

  it('the output satisfies the routing-table schema', () => {
    expect(CompiledConfigSchema.safeParse(compile(withBackends(ings)).config).success).toBe(true);
  });
});

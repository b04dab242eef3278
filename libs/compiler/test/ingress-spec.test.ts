import { describe, expect, it } from 'vitest';
import { normalizePath, RouteIndex } from '@portico/matcher';
import { compile } from '../src/index.js';
import { ingress, ingressClass, withBackends, type PathSpec } from './fixtures.js';

/** Compiles the Ingresses and answers which service a request reaches (or null for 404), as the proxy decides. */
function route(ingresses: ReturnType<typeof ingress>[], host: string | undefined, path: string, extra = {}) {
  const { config } = compile(withBackends(ingresses, extra));
  const normalized = normalizePath(path);
  if (!normalized.ok) throw new Error(normalized.reason);
  const hit = new RouteIndex(config).match(host, normalized.path);
  return hit?.cluster?.service.name ?? null;
}

const paths = (...specs: PathSpec[]) => [ingress('ing', { rules: [{ host: 'foo.com', paths: specs }], defaultBackend: { service: 'def' } })];

describe('ingress-spec.md path table', () => {
  const rows: Array<[string, string[], string, string | null]> = [
    // [type, rule paths, request, expected service: first rule path → a, second → b, third → c; def = default backend]
    ['Prefix', ['/'], '/anything/at/all', 'a'],
    ['Exact', ['/foo'], '/foo', 'a'],
    ['Exact', ['/foo'], '/bar', 'def'],
    ['Exact', ['/foo'], '/foo/', 'def'],
    ['Exact', ['/foo/'], '/foo', 'def'],
    ['Prefix', ['/foo'], '/foo', 'a'],
    ['Prefix', ['/foo'], '/foo/', 'a'],
    ['Prefix', ['/foo/'], '/foo', 'a'],
    ['Prefix', ['/foo/'], '/foo/', 'a'],
    ['Prefix', ['/aaa/bb'], '/aaa/bbb', 'def'],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb', 'a'],
    ['Prefix', ['/aaa/bbb/'], '/aaa/bbb', 'a'],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/', 'a'],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/ccc', 'a'],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbbxyz', 'def'],
    ['Prefix', ['/', '/aaa'], '/aaa/ccc', 'b'],
    ['Prefix', ['/', '/aaa', '/aaa/bbb'], '/aaa/bbb', 'c'],
    ['Prefix', ['/', '/aaa', '/aaa/bbb'], '/ccc', 'a'],
    ['Prefix', ['/aaa'], '/ccc', 'def'],
  ];
  const services = ['a', 'b', 'c'];
  for (const [type, rulePaths, request, expected] of rows) {
    it(`${type} ${rulePaths.join(', ')} with request ${request} → ${expected}`, () => {
      const specs = rulePaths.map((p, i) => ({ path: p, pathType: type, service: services[i] }));
      expect(route(paths(...specs), 'foo.com', request)).toBe(expected);
    });
  }

  it('mixed: /foo Prefix and /foo Exact, request /foo → the Exact one', () => {
    const specs = [
      { path: '/foo', pathType: 'Prefix', service: 'a' },
      { path: '/foo', pathType: 'Exact', service: 'b' },
    ];
    expect(route(paths(...specs), 'foo.com', '/foo')).toBe('b');
    expect(route(paths(...specs), 'foo.com', '/foo/x')).toBe('a');
  });

  it('the query string never takes part', () => {
    expect(route(paths({ path: '/foo', pathType: 'Exact', service: 'a' }), 'foo.com', '/foo?x=/bar')).toBe('a');
  });

  it('Exact paths are case-sensitive', () => {
    expect(route(paths({ path: '/Foo', pathType: 'Exact', service: 'a' }), 'foo.com', '/foo')).toBe('def');
  });

  it('ImplementationSpecific is matched as Prefix', () => {
    const ings = paths({ path: '/api', pathType: 'ImplementationSpecific', service: 'a' });
    expect(route(ings, 'foo.com', '/api/v1')).toBe('a');
    expect(route(ings, 'foo.com', '/apix')).toBe('def');
  });

  it('longest match wins across merged Ingresses of the same host', () => {
    const ings = [
      ingress('one', { rules: [{ host: 'foo.com', paths: [{ path: '/', service: 'a' }] }] }),
      ingress('two', { rules: [{ host: 'foo.com', paths: [{ path: '/api', service: 'b' }] }] }),
      ingress('three', { rules: [{ host: 'foo.com', paths: [{ path: '/api', pathType: 'Exact', service: 'c' }] }] }),
    ];
    expect(route(ings, 'foo.com', '/api/x')).toBe('b');
    expect(route(ings, 'foo.com', '/api')).toBe('c');
    expect(route(ings, 'foo.com', '/other')).toBe('a');
  });
});

describe('ingress-spec.md hosts', () => {
  const ings = [
    ingress('hosts', {
      rules: [
        { host: 'foo.com', paths: [{ path: '/', service: 'a' }] },
        { host: '*.foo.com', paths: [{ path: '/', service: 'b' }] },
        { paths: [{ path: '/', service: 'c' }] },
      ],
    }),
  ];
  it('matching is case-insensitive and ignores the port', () => {
    expect(route(ings, 'FOO.com:8080', '/')).toBe('a');
  });
  it('*.foo.com matches exactly one extra label', () => {
    expect(route(ings, 'bar.foo.com', '/')).toBe('b');
    expect(route(ings, 'baz.bar.foo.com', '/')).toBe('c');
  });
  it('exact host before wildcard before host-less', () => {
    expect(route(ings, 'foo.com', '/')).toBe('a');
    expect(route(ings, 'x.foo.com', '/')).toBe('b');
    expect(route(ings, 'other.org', '/')).toBe('c');
  });
  it('a request without a Host header reaches only host-less rules', () => {
    expect(route(ings, undefined, '/')).toBe('c');
  });
  it('a host whose paths all miss falls back to host-less rules, then the default backend', () => {
    const fallback = [
      ingress('specific', { rules: [{ host: 'foo.com', paths: [{ path: '/api', service: 'a' }] }] }),
      ingress('catchall', { rules: [{ paths: [{ path: '/static', service: 'b' }] }], defaultBackend: { service: 'def' } }),
    ];
    expect(route(fallback, 'foo.com', '/static/x')).toBe('b');
    expect(route(fallback, 'foo.com', '/nothing')).toBe('def');
  });
  it('rules of several Ingresses with the same host merge into one virtual host', () => {
    const merged = [
      ingress('one', { rules: [{ host: 'foo.com', paths: [{ path: '/a', service: 'a' }] }] }),
      ingress('two', { rules: [{ host: 'foo.com', paths: [{ path: '/b', service: 'b' }] }] }),
    ];
    const { config } = compile(withBackends(merged));
    expect(config.virtualHosts).toHaveLength(1);
    expect(config.virtualHosts[0].routes.map((r) => r.path)).toEqual(['/a', '/b']);
  });
});

describe('ingress-spec.md default backend and no match', () => {
  it('an Ingress with only a defaultBackend receives everything no rule matches', () => {
    const ings = [
      ingress('rules', { rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'a' }] }] }),
      ingress('default-only', { defaultBackend: { service: 'def' } }),
    ];
    expect(route(ings, 'foo.com', '/x')).toBe('a');
    expect(route(ings, 'foo.com', '/y')).toBe('def');
    expect(route(ings, 'bar.com', '/')).toBe('def');
  });
  it('nothing matches anywhere: no route (the proxy answers 404)', () => {
    expect(route([ingress('r', { rules: [{ host: 'foo.com', paths: [{ path: '/x', service: 'a' }] }] })], 'foo.com', '/y')).toBeNull();
  });
  it('several default backends: the oldest wins and the other gets a diagnostic', () => {
    const ings = [
      ingress('newer', { created: '2024-02-01T00:00:00Z', defaultBackend: { service: 'b' } }),
      ingress('older', { created: '2024-01-01T00:00:00Z', defaultBackend: { service: 'a' } }),
    ];
    const { config, diagnostics } = compile(withBackends(ings));
    expect(config.defaultBackend?.source.ingress.name).toBe('older');
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ code: 'DefaultBackendConflict', object: expect.objectContaining({ name: 'newer' }), field: 'spec.defaultBackend' }),
    );
  });
});

describe('ingress-spec.md classes', () => {
  const mine = ingress('mine', { className: 'portico', rules: [{ host: 'a.com', paths: [{ service: 'a' }] }] });
  const theirs = ingress('theirs', { className: 'nginx', rules: [{ host: 'b.com', paths: [{ service: 'b' }] }] });
  const classless = ingress('classless', { className: null, rules: [{ host: 'c.com', paths: [{ service: 'c' }] }] });
  const legacy = ingress('legacy', { className: null, rules: [{ host: 'd.com', paths: [{ service: 'd' }] }] });
  legacy.metadata!.annotations = { 'kubernetes.io/ingress.class': 'portico' };
  const hosts = (extra = {}, options = {}) =>
    compile(withBackends([mine, theirs, classless, legacy], extra), options).config.virtualHosts.map((v) => v.host);

  it('takes Ingresses of our class and of the legacy annotation; ignores other classes and class-less ones', () => {
    expect(hosts()).toEqual(['a.com', 'd.com']);
  });
  it('takes class-less Ingresses when our IngressClass is marked default', () => {
    expect(hosts({ ingressClasses: [ingressClass('portico', undefined, true)] })).toEqual(['a.com', 'c.com', 'd.com']);
  });
  it('does not take class-less Ingresses when another controller’s class is the default', () => {
    expect(hosts({ ingressClasses: [ingressClass('nginx', 'k8s.io/ingress-nginx', true)] })).toEqual(['a.com', 'd.com']);
  });
  it('takes class-less Ingresses when configured to', () => {
    expect(hosts({}, { watchIngressWithoutClass: true })).toEqual(['a.com', 'c.com', 'd.com']);
  });
  it('claims every IngressClass whose controller is ours, and configured names (FSM migration)', () => {
    expect(hosts({ ingressClasses: [ingressClass('nginx')] })).toEqual(['a.com', 'b.com', 'd.com']);
    expect(hosts({}, { classNames: ['nginx'] })).toEqual(['b.com']);
  });
  it('an Ingress of another class produces no diagnostics', () => {
    const bad = ingress('bad', { className: 'nginx', annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'nope' }, rules: [{ host: 'x.com', paths: [{}] }] });
    expect(compile(withBackends([bad])).diagnostics).toEqual([]);
  });
});

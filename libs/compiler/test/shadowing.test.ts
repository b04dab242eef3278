import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Diagnostic, IngressObject } from '@portico/model';
import { normalizePath, prefixKey, RouteIndex } from '@portico/matcher';
import { compile } from '../src/index.js';
import { ingress, withBackends, type PathSpec } from './fixtures.js';

const OLD = '2024-01-01T00:00:00Z';
const NEW = '2024-06-01T00:00:00Z';
/** `host` null: a host-less rule. */
const on = (name: string, created: string, paths: PathSpec[], host: string | null = 'foo.com') =>
  ingress(name, { created, rules: [{ host: host ?? undefined, paths }] });
const collisions = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'ShadowedRoute' || d.code === 'RouteConflict');

describe('ShadowedRoute: a rule the matcher can never select', () => {
  const cases: Array<[string, IngressObject[], { code: string; loser: string; field: string; winner: string }]> = [
    ['Prefix /a/ behind an older Prefix /a', [on('old', OLD, [{ path: '/a', service: 'a' }]), on('new', NEW, [{ path: '/a/', service: 'b' }])],
      { code: 'ShadowedRoute', loser: 'new', field: 'spec.rules[0].http.paths[0]', winner: 'Ingress default/old' }],
    ['ImplementationSpecific /a behind an older Prefix /a', [on('old', OLD, [{ path: '/a', service: 'a' }]), on('new', NEW, [{ path: '/a', pathType: 'ImplementationSpecific', service: 'b' }])],
      { code: 'ShadowedRoute', loser: 'new', field: 'spec.rules[0].http.paths[0]', winner: 'Ingress default/old' }],
    ['Exact /a//b/./c behind an older Exact /a/b/c', [on('old', OLD, [{ path: '/a/b/c', pathType: 'Exact', service: 'a' }]), on('new', NEW, [{ path: '/a//b/./c', pathType: 'Exact', service: 'b' }])],
      { code: 'ShadowedRoute', loser: 'new', field: 'spec.rules[0].http.paths[0]', winner: 'Ingress default/old' }],
    ['Prefix /%7Eu behind an older Prefix /~u', [on('old', OLD, [{ path: '/~u', service: 'a' }]), on('new', NEW, [{ path: '/%7Eu', service: 'b' }])],
      { code: 'ShadowedRoute', loser: 'new', field: 'spec.rules[0].http.paths[0]', winner: 'Ingress default/old' }],
    ['a repeat inside one Ingress', [on('one', OLD, [{ path: '/a', service: 'a' }, { path: '/a', service: 'b' }])],
      { code: 'ShadowedRoute', loser: 'one', field: 'spec.rules[0].http.paths[1]', winner: 'Ingress default/one (declared earlier in the same Ingress)' }],
    ['the same rule declared by two Ingresses stays a conflict between owners', [on('old', OLD, [{ path: '/a', service: 'a' }]), on('new', NEW, [{ path: '/a', service: 'b' }])],
      { code: 'RouteConflict', loser: 'new', field: 'spec.rules[0].http.paths[0]', winner: 'default/old' }],
  ];
  for (const [what, ingresses, want] of cases) {
    it(`${what}: ${want.code} on ${want.loser} ${want.field}, naming the winner`, () => {
      const { config, diagnostics } = compile(withBackends(ingresses));
      expect(collisions(diagnostics)).toEqual([
        expect.objectContaining({ severity: 'warning', code: want.code, object: expect.objectContaining({ name: want.loser }), field: want.field }),
      ]);
      expect(diagnostics[0].message).toContain(want.winner);
      expect(diagnostics[0].message).toContain('spec.rules[0].http.paths[0]');
      expect(config.virtualHosts[0].routes).toHaveLength(1);
    });
  }

  const distinct: Array<[string, PathSpec[]]> = [
    ['Exact /a and Prefix /a (Exact wins /a, Prefix still gets /a/x)', [{ path: '/a', pathType: 'Exact' }, { path: '/a' }]],
    ['Exact /a and Exact /a/ (normalisation keeps the trailing slash)', [{ path: '/a', pathType: 'Exact' }, { path: '/a/', pathType: 'Exact' }]],
    ['Prefix / and Prefix /a (longest wins)', [{ path: '/' }, { path: '/a' }]],
    ['Prefix /a and Prefix /ab (element-wise)', [{ path: '/a' }, { path: '/ab' }]],
  ];
  for (const [what, paths] of distinct) {
    it(`not shadowed: ${what}`, () => {
      expect(compile(withBackends([on('x', OLD, paths)])).diagnostics).toEqual([]);
    });
  }

  it('rules on different hosts never shadow each other (a fresh host name reaches the wildcard and host-less rules)', () => {
    const ings = [on('exact', OLD, [{ path: '/a' }]), on('wild', NEW, [{ path: '/a' }], '*.foo.com'), on('any', NEW, [{ path: '/a/' }], null)];
    expect(compile(withBackends(ings)).diagnostics).toEqual([]);
  });

  it('a default backend behind a host-less Prefix / is shadowed, naming that rule; behind a host rule it is not', () => {
    const def = ingress('def', { created: OLD, defaultBackend: { service: 'def' } });
    const catchAll = on('catch-all', NEW, [{ path: '/', pathType: 'ImplementationSpecific' }], null);
    const { diagnostics } = compile(withBackends([def, catchAll]));
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'ShadowedRoute', object: expect.objectContaining({ name: 'def' }), field: 'spec.defaultBackend' })]);
    expect(diagnostics[0].message).toContain('spec.rules[0].http.paths[0] of Ingress default/catch-all');
    expect(compile(withBackends([def, on('host', NEW, [{ path: '/' }])])).diagnostics).toEqual([]);
    expect(compile(withBackends([def, on('any-a', NEW, [{ path: '/a' }], null)])).diagnostics).toEqual([]);
  });
});

describe('ShadowedRoute property: reported exactly for the rules no request selects', () => {
  const PATHS = ['/', '/a', '/a/', '//a', '/a//', '/%61', '/a/b', '/a/./b', '/a/b/..', '/A', '/ab'];
  const TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;
  const HOSTS = ['foo.com', '*.foo.com', undefined] as const;
  // A request that reaches a rule's virtual host and no more specific one: no generated host or path uses these names.
  const WITNESS_HOST = { 'foo.com': 'foo.com', '*.foo.com': 'zz.foo.com', '*': 'fresh.invalid' } as Record<string, string>;
  const rule = fc.record({ path: fc.constantFrom(...PATHS), pathType: fc.constantFrom(...TYPES), host: fc.constantFrom(...HOSTS) });
  const ingresses = fc.array(fc.record({ rules: fc.array(rule, { minLength: 1, maxLength: 5 }), created: fc.constantFrom(OLD, NEW), defaultBackend: fc.boolean() }), { minLength: 1, maxLength: 3 });

  it('every rule is either selected by a request for it or named by exactly one collision diagnostic, whose winner matches the same requests', () => {
    fc.assert(
      fc.property(ingresses, (specs) => {
        const objects = specs.map((s, i) =>
          ingress(`ing-${i}`, { created: s.created, rules: s.rules.map((r) => ({ host: r.host, paths: [{ path: r.path, pathType: r.pathType, service: 'a' }] })), ...(s.defaultBackend ? { defaultBackend: { service: 'def' } } : {}) }),
        );
        const { config, diagnostics } = compile(withBackends(objects));
        const index = new RouteIndex(config);
        const reported = collisions(diagnostics).filter((d) => d.field !== 'spec.defaultBackend');
        specs.forEach((s, i) =>
          s.rules.forEach((r, ri) => {
            const field = `spec.rules[${ri}].http.paths[0]`;
            const named = reported.filter((d) => d.object?.name === `ing-${i}` && d.field === field);
            const type = r.pathType === 'Exact' ? 'Exact' : 'Prefix';
            const base = (normalizePath(r.path) as { path: string }).path;
            const key = type === 'Exact' ? base : prefixKey(base);
            const witness = type === 'Exact' ? key : `${key === '/' ? '' : key}/zz-fresh`;
            const hit = index.match(WITNESS_HOST[r.host ?? '*'], witness);
            const selected = hit?.kind === 'route' && hit.route.source.ingress.name === `ing-${i}` && hit.route.source.field === field;
            expect(selected || named.length === 1, `ing-${i} ${field}`).toBe(true);
            expect(selected && named.length > 0).toBe(false);
            if (named.length === 1) {
              const vhost = config.virtualHosts.find((v) => v.host === (r.host ?? '*'))!;
              const winner = vhost.routes.find((w) => w.pathType === type && w.path === key)!;
              expect(named[0].message).toContain(winner.source.field);
              expect(named[0].message).toContain(`default/${winner.source.ingress.name}`);
            }
          }),
        );
        const defaultShadowed = diagnostics.some((d) => d.code === 'ShadowedRoute' && d.field === 'spec.defaultBackend');
        if (config.defaultBackend) expect(defaultShadowed).toBe(index.match('fresh.invalid', '/zz-fresh')?.kind !== 'default');
      }),
      { numRuns: 300 },
    );
  });
});

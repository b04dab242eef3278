import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { ingress, withBackends } from './fixtures.js';

const P = 'pipy.ingress.kubernetes.io/';

function compileWith(annotations: Record<string, string>) {
  const ing = ingress('annotated', { annotations, rules: [{ host: 'foo.com', paths: [{ path: '/httpbin', service: 'a' }] }] });
  const other = ingress('other', { rules: [{ host: 'other.com', paths: [{ service: 'b' }] }] });
  const { config, diagnostics } = compile(withBackends([ing, other]));
  const vhost = config.virtualHosts.find((v) => v.host === 'foo.com');
  const route = vhost?.routes[0];
  const cluster = config.clusters.find((c) => c.id === route?.clusterId);
  return { config, diagnostics, route, cluster };
}

const field = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;

describe('lb-type', () => {
  for (const value of ['round-robin', 'hashing', 'least-work', 'Hashing']) {
    it(`accepts ${value}`, () => {
      const { cluster, diagnostics } = compileWith({ [`${P}lb-type`]: value });
      expect(diagnostics).toEqual([]);
      expect(cluster?.lb).toBe(value.toLowerCase());
    });
  }
  it('an invalid value is a diagnostic naming the annotation; the Ingress is served round-robin', () => {
    const { cluster, diagnostics, config } = compileWith({ [`${P}lb-type`]: 'random' });
    expect(cluster?.lb).toBe('round-robin');
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'InvalidAnnotation', field: field(`${P}lb-type`), object: expect.objectContaining({ name: 'annotated' }) }),
    ]);
    expect(diagnostics[0].message).toContain('random');
    expect(config.virtualHosts.map((v) => v.host)).toEqual(['foo.com', 'other.com']);
  });
  it('gives two Ingresses on one Service with different policies two clusters', () => {
    const one = ingress('one', { annotations: { [`${P}lb-type`]: 'hashing' }, rules: [{ host: 'a.com', paths: [{ service: 'a' }] }] });
    const two = ingress('two', { rules: [{ host: 'b.com', paths: [{ service: 'a' }] }] });
    expect(compile(withBackends([one, two])).config.clusters.map((c) => c.id)).toEqual(['default/a:80', 'default/a:80|lb=hashing']);
  });
});

describe('session-sticky', () => {
  for (const value of ['1', 't', 'true', 'y', 'yes', 'on', 'TRUE', ' On ']) {
    it(`"${value}" is true`, () => expect(compileWith({ [`${P}session-sticky`]: value }).cluster?.sessionSticky).toBe(true));
  }
  for (const value of ['0', 'f', 'false', 'n', 'no', 'off', 'OFF']) {
    it(`"${value}" is false`, () => expect(compileWith({ [`${P}session-sticky`]: value }).cluster?.sessionSticky).toBe(false));
  }
  it('an invalid boolean is a diagnostic and the default (false) applies', () => {
    const { cluster, diagnostics } = compileWith({ [`${P}session-sticky`]: 'maybe' });
    expect(cluster?.sessionSticky).toBe(false);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'InvalidAnnotation', field: field(`${P}session-sticky`) })]);
  });
});

describe('rewrite-target-from / -to', () => {
  it('FSM demo: ^/httpbin/? → / is carried on the route', () => {
    const { route, diagnostics } = compileWith({ [`${P}rewrite-target-from`]: '^/httpbin/?', [`${P}rewrite-target-to`]: '/' });
    expect(diagnostics).toEqual([]);
    expect(route?.rewrite).toEqual({ from: '^/httpbin/?', to: '/' });
  });
  it('an invalid regex is a diagnostic and no rewrite applies', () => {
    const { route, diagnostics } = compileWith({ [`${P}rewrite-target-from`]: '^/(unclosed', [`${P}rewrite-target-to`]: '/' });
    expect(route?.rewrite).toBeUndefined();
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'InvalidAnnotation', field: field(`${P}rewrite-target-from`) })]);
    expect(diagnostics[0].message).toMatch(/invalid regular expression/);
  });
  it('a pattern that can backtrack catastrophically is refused', () => {
    const { route, diagnostics } = compileWith({ [`${P}rewrite-target-from`]: '^/(a+)+$', [`${P}rewrite-target-to`]: '/' });
    expect(route?.rewrite).toBeUndefined();
    expect(diagnostics).toEqual([expect.objectContaining({ field: field(`${P}rewrite-target-from`), message: expect.stringMatching(/backtrack/) })]);
  });
  it('from without to (and to without from) is a diagnostic', () => {
    expect(compileWith({ [`${P}rewrite-target-from`]: '^/a' }).diagnostics).toEqual([expect.objectContaining({ field: field(`${P}rewrite-target-from`) })]);
    expect(compileWith({ [`${P}rewrite-target-to`]: '/' }).diagnostics).toEqual([expect.objectContaining({ field: field(`${P}rewrite-target-to`) })]);
  });
  it('an overlong pattern is refused (bounded)', () => {
    const { route, diagnostics } = compileWith({ [`${P}rewrite-target-from`]: 'a'.repeat(1025), [`${P}rewrite-target-to`]: '/' });
    expect(route?.rewrite).toBeUndefined();
    expect(diagnostics[0].message).toMatch(/1 to 1024 characters/);
  });
});

describe('other annotations', () => {
  it('an unknown annotation with our prefix (a typo) is reported and has no effect', () => {
    const { diagnostics, route } = compileWith({ [`${P}lb-typ`]: 'hashing' });
    expect(route).toBeDefined();
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'InvalidAnnotation', field: field(`${P}lb-typ`), message: expect.stringMatching(/unknown annotation/) })]);
  });
  it('annotations of other controllers are ignored without a word', () => {
    expect(compileWith({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' }).diagnostics).toEqual([]);
  });
  const securityCases: Array<[string, string, RegExp]> = [
    [`${P}upstream-ssl-verify`, 'true', /needs .*upstream-ssl-secret/],
    [`${P}upstream-ssl-verify`, 'perhaps', /invalid boolean/],
    [`${P}upstream-ssl-secret`, 'missing-secret', /does not exist/],
    [`${P}upstream-ssl-secret`, 'a/b/c', /invalid Secret reference/],
    [`${P}upstream-ssl-name`, 'not a name', /invalid host name/],
    [`${P}tls-verify-client`, 'true', /needs TLS termination/],
    [`${P}tls-verify-client`, 'sometimes', /invalid boolean/],
    [`${P}tls-verify-depth`, '0', /from 1 to 10/],
    [`${P}tls-trusted-ca-secret`, 'Bad_Name', /invalid Secret reference/],
  ];
  for (const [key, value, message] of securityCases) {
    it(`${key}: ${JSON.stringify(value)} fails closed with an error naming the annotation; others keep serving`, () => {
      const { config, diagnostics } = compileWith({ [key]: value });
      expect(config.virtualHosts.map((v) => v.host)).toEqual(['other.com']);
      expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', field: field(key), message: expect.stringMatching(message) })]);
      expect(diagnostics[0].message).toMatch(/fail closed/);
    });
  }
  it('upstream-protocol: GRPC speaks HTTP/2 to the upstream, HTTP keeps HTTP/1.1, nonsense is reported', () => {
    expect(compileWith({ [`${P}upstream-protocol`]: 'HTTP' })).toMatchObject({ diagnostics: [], cluster: { protocol: 'http1' } });
    expect(compileWith({ [`${P}upstream-protocol`]: 'grpc' })).toMatchObject({ diagnostics: [], cluster: { protocol: 'h2', id: 'default/a:80|h2' } });
    const spdy = compileWith({ [`${P}upstream-protocol`]: 'SPDY' });
    expect(spdy.cluster?.protocol).toBe('http1');
    expect(spdy.diagnostics[0].message).toMatch(/must be HTTP or GRPC/);
  });
});

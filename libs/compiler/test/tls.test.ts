import { beforeAll, describe, expect, it } from 'vitest';
import type { SecretObject } from '@portico/model';
import { compile } from '../src/index.js';
import { selfSigned, tlsSecret, type TestCertificate } from '@portico/testing';
import { ingress, withBackends } from './fixtures.js';

let site: TestCertificate;
let wildcard: TestCertificate;
let other: TestCertificate;

beforeAll(async () => {
  [site, wildcard, other] = await Promise.all([selfSigned(['a.com']), selfSigned(['*.b.com']), selfSigned(['other.org'])]);
});

function tlsIngress(name: string, tls: Array<{ hosts?: string[]; secretName?: string }>, hosts = ['a.com'], annotations?: Record<string, string>, created?: string) {
  const ing = ingress(name, { annotations, created, rules: hosts.map((host) => ({ host, paths: [{ path: '/', service: 'a' }, { path: '/api', service: 'b' }] })) });
  ing.spec!.tls = tls;
  return ing;
}

const compileWith = (ingresses: ReturnType<typeof ingress>[], secrets: SecretObject[]) => compile(withBackends(ingresses, { secrets }));

describe('spec.tls termination', () => {
  it('a host listed in spec.tls is terminated with the Secret’s certificate, which travels in the table', () => {
    const { config, diagnostics } = compileWith([tlsIngress('site', [{ hosts: ['a.com'], secretName: 'site-tls' }])], [tlsSecret('site-tls', site)]);
    expect(diagnostics).toEqual([]);
    expect(config.virtualHosts[0].tls).toEqual({ mode: 'terminate', certificateId: 'default/site-tls', httpPolicy: 'redirect' });
    expect(config.certificates).toEqual([
      expect.objectContaining({ id: 'default/site-tls', certPem: site.certPem, keyPem: site.keyPem, dnsNames: ['a.com'] }),
    ]);
  });

  it('a TLS entry without hosts covers every rule host of its Ingress; a wildcard certificate covers its hosts', () => {
    const { config, diagnostics } = compileWith([tlsIngress('wild', [{ secretName: 'wild-tls' }], ['x.b.com', 'y.b.com'])], [tlsSecret('wild-tls', wildcard)]);
    expect(diagnostics).toEqual([]);
    expect(config.virtualHosts.map((v) => v.tls?.mode)).toEqual(['terminate', 'terminate']);
  });

  it('accepts a generic Secret with tls.crt and tls.key in stringData', () => {
    const secret = { kind: 'Secret', type: 'Opaque', metadata: { name: 'plain', namespace: 'default' }, stringData: { 'tls.crt': site.certPem, 'tls.key': site.keyPem } };
    expect(compileWith([tlsIngress('site', [{ hosts: ['a.com'], secretName: 'plain' }])], [secret]).config.certificates).toHaveLength(1);
  });

  const broken: Array<[string, () => SecretObject[], string, RegExp]> = [
    ['a missing Secret', () => [], 'SecretNotFound', /does not exist/],
    ['a key that does not match the certificate', () => [tlsSecret('site-tls', { certPem: site.certPem, keyPem: other.keyPem })], 'InvalidCertificate', /does not match/],
    ['a certificate that does not parse', () => [tlsSecret('site-tls', { certPem: 'not a certificate', keyPem: site.keyPem })], 'InvalidCertificate', /not a PEM certificate/],
    ['a key that does not parse', () => [tlsSecret('site-tls', { certPem: site.certPem, keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' })], 'InvalidCertificate', /not a PEM private key/],
  ];
  for (const [what, secrets, code, message] of broken) {
    it(`${what}: a diagnostic on the Ingress, the host falls back to the default certificate, others keep working`, () => {
      const good = tlsIngress('good', [{ hosts: ['other.org'], secretName: 'other-tls' }], ['other.org']);
      const { config, diagnostics } = compileWith([tlsIngress('site', [{ hosts: ['a.com'], secretName: 'site-tls' }]), good], [...secrets(), tlsSecret('other-tls', other)]);
      expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', code, field: 'spec.tls[0].secretName', message: expect.stringMatching(message) })]);
      expect(config.virtualHosts.find((v) => v.host === 'a.com')?.tls).toEqual({ mode: 'terminate', certificateId: null, httpPolicy: 'redirect' });
      expect(config.certificates.map((c) => c.id)).toEqual(['default/other-tls']);
      expect(JSON.stringify(diagnostics)).not.toContain('PRIVATE KEY');
    });
  }

  it('a certificate that does not cover a host is reported', () => {
    const { diagnostics } = compileWith([tlsIngress('site', [{ hosts: ['a.com'], secretName: 'other-tls' }])], [tlsSecret('other-tls', other)]);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'CertificateHostMismatch', field: 'spec.tls[0].hosts[0]' })]);
  });

  it('a TLS host without rules is reported', () => {
    const { diagnostics } = compileWith([tlsIngress('site', [{ hosts: ['a.com', 'nowhere.com'], secretName: 'site-tls' }])], [tlsSecret('site-tls', site)]);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'TlsHostWithoutRules', field: 'spec.tls[0].hosts[1]' })]);
  });

  it('two Ingresses giving one host different certificates: the older wins, the other gets a diagnostic', () => {
    const older = tlsIngress('older', [{ hosts: ['a.com'], secretName: 'site-tls' }], ['a.com'], undefined, '2024-01-01T00:00:00Z');
    const newer = tlsIngress('newer', [{ hosts: ['a.com'], secretName: 'other-tls' }], ['a.com'], undefined, '2024-06-01T00:00:00Z');
    const { config, diagnostics } = compileWith([newer, older], [tlsSecret('site-tls', site), tlsSecret('other-tls', other)]);
    expect(config.virtualHosts[0].tls).toMatchObject({ certificateId: 'default/site-tls' });
    expect(config.certificates.map((c) => c.id)).toEqual(['default/site-tls']);
    expect(diagnostics.map((d) => [d.code, d.object?.name])).toContainEqual(['TlsConflict', 'newer']);
  });
});

describe('portico.dev/http-policy', () => {
  for (const policy of ['redirect', 'reject', 'allow'] as const) {
    it(`${policy} is carried on the host`, () => {
      const { config } = compileWith([tlsIngress('site', [{ secretName: 'site-tls' }], ['a.com'], { 'portico.dev/http-policy': policy })], [tlsSecret('site-tls', site)]);
      expect(config.virtualHosts[0].tls?.httpPolicy).toBe(policy);
    });
  }
  it('an invalid value is a diagnostic and redirect (the safe choice) applies', () => {
    const { config, diagnostics } = compileWith([tlsIngress('site', [{ secretName: 'site-tls' }], ['a.com'], { 'portico.dev/http-policy': 'maybe' })], [tlsSecret('site-tls', site)]);
    expect(config.virtualHosts[0].tls?.httpPolicy).toBe('redirect');
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'InvalidAnnotation', field: 'metadata.annotations["portico.dev/http-policy"]' })]);
  });
});

describe('portico.dev/ssl-passthrough', () => {
  it('passes each rule host through to the backend of its first path, and says paths no longer apply', () => {
    const { config, diagnostics } = compileWith([tlsIngress('pass', [], ['p.com'], { 'portico.dev/ssl-passthrough': 'true' })], []);
    expect(config.virtualHosts[0].tls).toEqual({ mode: 'passthrough', clusterId: 'default/a:80', httpPolicy: 'redirect' });
    expect(config.certificates).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'info', code: 'PassthroughIgnoresPaths' })]);
  });

  it('"false" leaves the Ingress terminated as usual', () => {
    const { config } = compileWith([tlsIngress('site', [{ secretName: 'site-tls' }], ['a.com'], { 'portico.dev/ssl-passthrough': 'false' })], [tlsSecret('site-tls', site)]);
    expect(config.virtualHosts[0].tls?.mode).toBe('terminate');
  });

  it('an invalid value fails closed: the Ingress is not served, others are', () => {
    const other = tlsIngress('other', [], ['o.com']);
    const { config, diagnostics } = compileWith([tlsIngress('pass', [], ['p.com'], { 'portico.dev/ssl-passthrough': 'perhaps' }), other], []);
    expect(config.virtualHosts.map((v) => v.host)).toEqual(['o.com']);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', field: 'metadata.annotations["portico.dev/ssl-passthrough"]', message: expect.stringMatching(/fail closed/) })]);
  });

  it('passthrough and termination of the same host: the older Ingress decides', () => {
    const terminate = tlsIngress('terminate', [{ secretName: 'site-tls' }], ['a.com'], undefined, '2024-01-01T00:00:00Z');
    const pass = tlsIngress('pass', [], ['a.com'], { 'portico.dev/ssl-passthrough': 'true' }, '2024-02-01T00:00:00Z');
    const { config, diagnostics } = compileWith([pass, terminate], [tlsSecret('site-tls', site)]);
    expect(config.virtualHosts[0].tls?.mode).toBe('terminate');
    expect(diagnostics.map((d) => d.code)).toContain('TlsConflict');
  });

  it('a host-less rule cannot be passed through (no SNI to choose by)', () => {
    const ing = ingress('pass', { annotations: { 'portico.dev/ssl-passthrough': 'true' }, rules: [{ paths: [{ path: '/', service: 'a' }] }] });
    const { diagnostics } = compileWith([ing], []);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'PassthroughNeedsHost', field: 'spec.rules[0]' })]);
  });
});

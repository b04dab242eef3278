import { beforeAll, describe, expect, it } from 'vitest';
import type { SecretObject } from '@portico/model';
import { caSecret, certificateAuthority, tlsSecret, type TestCertificate } from '@portico/testing';
import { compile, defaultTlsControllerSettings, type CompileOptions } from '../src/index.js';
import { ingress, withBackends } from './fixtures.js';

const P = 'pipy.ingress.kubernetes.io/';
let ca: TestCertificate;
let otherCa: TestCertificate;
let site: TestCertificate;
let client: TestCertificate;

beforeAll(async () => {
  const authority = await certificateAuthority('Clients CA');
  ca = authority;
  otherCa = await certificateAuthority('Other CA');
  site = await authority.issue(['a.com']);
  client = await authority.issue(['proxy-client']);
});

function tlsIngress(name: string, annotations: Record<string, string>, host = 'a.com', tls = true) {
  const ing = ingress(name, { annotations, rules: [{ host, paths: [{ path: '/', service: 'a' }] }] });
  if (tls) ing.spec!.tls = [{ hosts: [host], secretName: `${name}-tls` }];
  return ing;
}

function run(ingresses: ReturnType<typeof ingress>[], secrets: SecretObject[], options: Partial<CompileOptions> = {}) {
  const { config, diagnostics } = compile(withBackends(ingresses, { secrets }), options);
  return { config, diagnostics, vhost: (host: string) => config.virtualHosts.find((v) => v.host === host) };
}

describe('upstream TLS (upstream-ssl-secret, -name, -verify)', () => {
  it('a Secret with ca.crt turns TLS on, verified against that CA and the Service DNS name by default', () => {
    const ing = tlsIngress('up', { [`${P}upstream-ssl-secret`]: 'upstream-ca', [`${P}upstream-ssl-verify`]: 'true' }, 'a.com', false);
    const { config, diagnostics } = run([ing], [caSecret('upstream-ca', ca.certPem)]);
    expect(diagnostics).toEqual([]);
    expect(config.clusters[0]).toMatchObject({
      id: 'default/a:80|tls=default/upstream-ca,verify',
      upstreamTls: { verify: true, serverName: 'a.default.svc', caPem: ca.certPem },
    });
  });

  it('upstream-ssl-name sets SNI and the verified name; tls.crt + tls.key become the client certificate, carried in the table', () => {
    const ing = tlsIngress('up', { [`${P}upstream-ssl-secret`]: 'default/upstream', [`${P}upstream-ssl-name`]: 'Backend.Internal' }, 'a.com', false);
    const { config, diagnostics } = run([ing], [tlsSecret('upstream', client, { caPem: ca.certPem })]);
    expect(diagnostics).toEqual([]);
    expect(config.clusters[0].upstreamTls).toEqual({ verify: false, serverName: 'backend.internal', caPem: ca.certPem, clientCertificateId: 'default/upstream' });
    expect(config.certificates.map((c) => c.id)).toEqual(['default/upstream']);
  });

  it('verify without a ca.crt to verify against fails closed', () => {
    const ing = tlsIngress('up', { [`${P}upstream-ssl-secret`]: 'client-only', [`${P}upstream-ssl-verify`]: 'yes' }, 'a.com', false);
    const { config, diagnostics } = run([ing], [tlsSecret('client-only', client)]);
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', field: `metadata.annotations["${P}upstream-ssl-verify"]`, message: expect.stringMatching(/needs a ca.crt/) })]);
  });
});

describe('client verification (tls-verify-client, -trusted-ca-secret, -verify-depth)', () => {
  it('defaults to the TLS Secret’s ca.crt and depth 1', () => {
    const { vhost, diagnostics } = run([tlsIngress('m', { [`${P}tls-verify-client`]: 'true' })], [tlsSecret('m-tls', site, { caPem: ca.certPem })]);
    expect(diagnostics).toEqual([]);
    expect(vhost('a.com')?.tls).toEqual({ mode: 'terminate', certificateId: 'default/m-tls', httpPolicy: 'redirect', clientAuth: { caPem: ca.certPem, verifyDepth: 1 } });
  });

  it('tls-trusted-ca-secret and tls-verify-depth override the defaults', () => {
    const ing = tlsIngress('m', { [`${P}tls-verify-client`]: 'on', [`${P}tls-trusted-ca-secret`]: 'clients-ca', [`${P}tls-verify-depth`]: '3' });
    const { vhost } = run([ing], [tlsSecret('m-tls', site), caSecret('clients-ca', otherCa.certPem)]);
    expect(vhost('a.com')?.tls).toMatchObject({ clientAuth: { caPem: otherCa.certPem, verifyDepth: 3 } });
  });

  it('is per host: a host without the annotation on the same controller requires nothing', () => {
    const { vhost } = run(
      [tlsIngress('m', { [`${P}tls-verify-client`]: 'true' }), tlsIngress('plain', {}, 'b.com')],
      [tlsSecret('m-tls', site, { caPem: ca.certPem }), tlsSecret('plain-tls', site)],
    );
    expect(vhost('a.com')?.tls).toHaveProperty('clientAuth');
    expect(vhost('b.com')?.tls).not.toHaveProperty('clientAuth');
  });

  it('with no CA anywhere it fails closed, naming the annotation', () => {
    const { config, diagnostics } = run([tlsIngress('m', { [`${P}tls-verify-client`]: 'true' })], [tlsSecret('m-tls', site)]);
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', field: `metadata.annotations["${P}tls-verify-client"]`, message: expect.stringMatching(/no CA/) })]);
  });

  it('a missing trusted-CA Secret fails closed', () => {
    const ing = tlsIngress('m', { [`${P}tls-verify-client`]: 'true', [`${P}tls-trusted-ca-secret`]: 'nope' });
    const { config, diagnostics } = run([ing], [tlsSecret('m-tls', site, { caPem: ca.certPem })]);
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics[0]).toMatchObject({ field: `metadata.annotations["${P}tls-trusted-ca-secret"]`, message: expect.stringMatching(/does not exist/) });
  });

  it('plain HTTP cannot be allowed on a host that requires client certificates: it is rejected instead, with a warning', () => {
    const ing = tlsIngress('m', { [`${P}tls-verify-client`]: 'true', 'portico.dev/http-policy': 'allow' });
    const { vhost, diagnostics } = run([ing], [tlsSecret('m-tls', site, { caPem: ca.certPem })]);
    expect(vhost('a.com')?.tls?.httpPolicy).toBe('reject');
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'InsecureHttpPolicy' })]);
  });

  it('passthrough and client verification together fail closed', () => {
    const { config, diagnostics } = run([tlsIngress('m', { [`${P}tls-verify-client`]: 'true', 'portico.dev/ssl-passthrough': 'true' })], [tlsSecret('m-tls', site, { caPem: ca.certPem })]);
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics.map((d) => d.message).join()).toMatch(/passthrough host cannot verify/);
  });
});

describe('FSM’s global mTLS switch', () => {
  const mtls = { tls: { ...defaultTlsControllerSettings(), mtls: true } };

  it('requires client certificates on every terminated host, trusting every CA the Ingresses reference', () => {
    const { vhost } = run(
      [tlsIngress('one', {}), tlsIngress('two', { [`${P}tls-trusted-ca-secret`]: 'other-ca' }, 'b.com')],
      [tlsSecret('one-tls', site, { caPem: ca.certPem }), tlsSecret('two-tls', site), caSecret('other-ca', otherCa.certPem)],
      mtls,
    );
    const pool = vhost('a.com')?.tls;
    expect(pool).toMatchObject({ clientAuth: { verifyDepth: 1 } });
    const caPem = (pool as { clientAuth: { caPem: string } }).clientAuth.caPem;
    expect(caPem).toContain(ca.certPem.trim());
    expect(caPem).toContain(otherCa.certPem.trim());
    expect(vhost('b.com')?.tls).toMatchObject({ clientAuth: { caPem: otherCa.certPem } });
  });

  it('with no CA referenced anywhere, terminated hosts are not served (fail closed)', () => {
    const { config, diagnostics } = run([tlsIngress('one', {})], [tlsSecret('one-tls', site)], mtls);
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics[0].message).toMatch(/global mTLS is on/);
  });
});

import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureApi, type FixtureApi } from './tls-fixtures.js';

describe('GET /api/v1/hosts', () => {
  let stack: FixtureApi;
  beforeAll(async () => {
    stack = await startFixtureApi();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const get = (path: string) => stack.call('GET', path);

  it('lists every virtual host with its mode, certificate, client verification and sources', async () => {
    const { status, body } = await get('/api/v1/hosts');
    expect(status).toBe(200);
    const hosts = Object.fromEntries(body.hosts.map((h: any) => [h.host, h]));
    expect(Object.keys(hosts)).toEqual(expect.arrayContaining(['shop.example', 'other.example', '*.apps.example', 'missing.example', 'pass.example', 'mtls.example', 'rw.example', '*']));
    expect(hosts['shop.example']).toMatchObject({ mode: 'terminated', httpPolicy: 'redirect', routes: 3, certificate: { certificateId: 'default/shop-tls', reason: 'exact-host' }, ingresses: [{ name: 'shop' }] });
    expect(hosts['other.example']).toMatchObject({ mode: 'terminated', certificate: { certificateId: 'default/shop-tls', coversName: false }, ingresses: [{ name: 'other' }] });
    expect(hosts['other.example'].diagnostics.some((d: any) => d.code === 'CertificateHostMismatch')).toBe(true);
    expect(hosts['*.apps.example']).toMatchObject({ match: 'wildcard', mode: 'terminated', certificate: { certificateId: 'default/wild-tls' } });
    expect(hosts['missing.example']).toMatchObject({ mode: 'terminated', certificate: { reason: 'default-missing-secret', source: 'proxy-default' } });
    expect(hosts['missing.example'].diagnostics.map((d: any) => d.code)).toContain('SecretNotFound');
    expect(hosts['pass.example']).toMatchObject({ mode: 'passthrough', certificate: null, passthrough: { service: 'default/secure' } });
    expect(hosts['rw.example']).toMatchObject({ mode: 'plain', httpPolicy: null, upstreams: [{ upstreamTls: null }] });
    expect(hosts['*']).toMatchObject({ match: 'any', mode: 'plain', certificate: null, ingresses: [{ name: 'hostless' }] });
    const subject = new X509Certificate(stack.fixture.clientCa.certPem).subject;
    expect(hosts['mtls.example'].clientVerification).toEqual({ required: true, caSubjects: [subject], verifyDepth: 2 });
  });

  it('shows one host with its routes, and 404 for an unknown one', async () => {
    const { body } = await get('/api/v1/hosts/shop.example');
    expect(body.routeList.map((r: any) => r.id)).toEqual(['default/shop:r0p2', 'default/shop:r0p1', 'default/shop:r0p0']);
    const wildcard = await get(`/api/v1/hosts/${encodeURIComponent('*.apps.example')}`);
    expect(wildcard.body.host).toBe('*.apps.example');
    expect((await get('/api/v1/hosts/nope.example')).status).toBe(404);
    stack.expectNoKeyAnywhere();
  });
});

import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';
import { ingress, startFixtureApi, writeManifests, type FixtureApi } from './tls-fixtures.js';

describe('POST /api/v1/explain', () => {
  let stack: FixtureApi;
  beforeAll(async () => {
    stack = await startFixtureApi();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const explain = (body: object, token?: string) => stack.call('POST', '/api/v1/explain', body, token);

  it('explains an exact-path match over the prefix candidates it beat, with the cluster and its hashing policy', async () => {
    const { status, body } = await explain({ url: 'http://shop.example/api/v1/status', clientIp: '192.0.2.7' });
    expect(status).toBe(200);
    expect(body.listener).toBe('http');
    expect(body.httpPolicy).toMatchObject({ host: 'shop.example', policy: 'redirect', outcome: 'redirect', status: 308, location: 'https://shop.example/api/v1/status' });
    expect(body.outcome).toMatchObject({ action: 'redirect', status: 308 });
  });

  it('explains routing over TLS: exact beats prefix, longest prefix beats shorter', async () => {
    const { body } = await explain({ url: 'https://shop.example/api/v1/status' });
    expect(body.tls).toMatchObject({ mode: 'terminate', serverName: 'shop.example', serverNameFrom: 'url-host', governingHost: 'shop.example' });
    expect(body.tls.certificate).toMatchObject({ source: 'host', certificateId: 'default/shop-tls', reason: 'exact-host', coversName: true });
    expect(body.match).toMatchObject({ kind: 'route', routeId: 'default/shop:r0p2', pathType: 'Exact', source: { ingress: { name: 'shop' }, field: 'spec.rules[0].http.paths[2]' } });
    const verdicts = Object.fromEntries(body.candidates.map((c: any) => [c.routeId, c.verdict]));
    expect(verdicts).toMatchObject({ 'default/shop:r0p2': 'chosen', 'default/shop:r0p1': 'beaten', 'default/shop:r0p0': 'beaten' });
    expect(body.cluster).toMatchObject({ lb: 'hashing', endpoints: { total: 2, ready: 2 } });
    expect(body.outcome).toMatchObject({ action: 'proxied', status: null });

    const prefix = await explain({ url: 'https://shop.example/api/orders?x=1' });
    expect(prefix.body.match.routeId).toBe('default/shop:r0p1');
    expect(prefix.body.upstreamPath).toBe('/api/orders?x=1');

    const hashed = await explain({ url: 'https://shop.example/', clientIp: '192.0.2.7' });
    expect(hashed.body.cluster.endpointChoice).toContain('client IP 192.0.2.7');
  });

  it('normalises the path the way the proxy does, or says why it is a 400', async () => {
    const ok = await explain({ url: 'https://shop.example//api/./x/../orders' });
    expect(ok.body.path).toMatchObject({ raw: '//api/./x/../orders', ok: true, normalized: '/api/orders' });
    const bad = await explain({ url: 'https://shop.example/a%zzb' });
    expect(bad.body.path).toMatchObject({ ok: false, reason: 'malformed percent-encoding in path' });
    expect(bad.body.outcome).toMatchObject({ action: 'bad-request', status: 400 });
  });

  it('falls through to host-less rules, then the default backend; 404 without one', async () => {
    const hostless = await explain({ url: 'http://unknown.example/fallback/x' });
    expect(hostless.body.match).toMatchObject({ kind: 'route', virtualHost: '*', hostMatch: 'any', routeId: 'default/hostless:r0p0' });
    const fellThrough = await explain({ url: 'http://rw.example/fallback' });
    expect(fellThrough.body.match).toMatchObject({ virtualHost: '*', fellThrough: ['rw.example'] });
    expect(fellThrough.body.candidates.find((c: any) => c.routeId === 'default/rewrite:r0p0')).toMatchObject({ verdict: 'not-matched' });
    const missing = await explain({ url: 'http://unknown.example/nothing' });
    expect(missing.body.outcome).toMatchObject({ action: 'not-found', status: 404 });

    const generation = stack.api.generation();
    await writeManifests(stack.dir, 'default.yaml', [{ ...ingress('fallback', null, []), spec: { ingressClassName: 'portico', defaultBackend: { service: { name: 'web', port: { number: 80 } } } } }]);
    await waitFor(() => stack.api.generation() > generation, 'the default backend');
    const served = await explain({ url: 'http://unknown.example/nothing' });
    expect(served.body.match).toMatchObject({ kind: 'default-backend', routeId: 'default-backend', source: { ingress: { name: 'fallback' }, field: 'spec.defaultBackend' } });
    expect(served.body.outcome.action).toBe('proxied');
  });

  it('applies the rewrite as the proxy does (first match) and reports 503 for a cluster without ready endpoints', async () => {
    const rewritten = await explain({ url: 'http://rw.example/old/old?q=1' });
    expect(rewritten.body.rewrite).toEqual({ from: '^/old', to: '/new', input: '/old/old', result: '/new/old' });
    expect(rewritten.body.upstreamPath).toBe('/new/old?q=1');
    const empty = await explain({ url: 'http://empty.example/' });
    expect(empty.body.outcome).toMatchObject({ action: 'no-endpoints', status: 503 });
    expect(empty.body.cluster.endpoints).toMatchObject({ total: 0, ready: 0 });
  });

  it('says why each certificate is served: wildcard, default because of a missing Secret, no SNI, no TLS host', async () => {
    const wildcard = await explain({ url: 'https://a.apps.example/' });
    expect(wildcard.body.tls.certificate).toMatchObject({ reason: 'wildcard-host', certificateId: 'default/wild-tls', coversName: true });
    const missing = await explain({ url: 'https://missing.example/' });
    expect(missing.body.tls.certificate).toMatchObject({ reason: 'default-missing-secret', source: 'proxy-default', certificateId: null });
    expect(missing.body.tls.certificate.diagnostics[0]).toMatchObject({ code: 'SecretNotFound', object: { name: 'missing' } });
    const noSni = await explain({ url: 'https://shop.example/', sni: null });
    expect(noSni.body.tls).toMatchObject({ serverName: null, serverNameFrom: 'none' });
    expect(noSni.body.tls.certificate).toMatchObject({ reason: 'no-sni', source: 'proxy-default' });
    const unclaimed = await explain({ url: 'https://rw.example/old' });
    expect(unclaimed.body.tls.certificate.reason).toBe('no-tls-host');
  });

  it('explains passthrough, client certificates and 421', async () => {
    const pass = await explain({ url: 'https://pass.example/admin' });
    expect(pass.body.tls).toMatchObject({ mode: 'passthrough', governingHost: 'pass.example', certificate: null });
    expect(pass.body.cluster.service.name).toBe('secure');
    expect(pass.body.outcome).toMatchObject({ action: 'relayed' });
    expect(pass.body.match.kind).toBe('none');

    const mtls = await explain({ url: 'https://mtls.example/' });
    const subject = new X509Certificate(stack.fixture.clientCa.certPem).subject;
    expect(mtls.body.tls.clientCertificate).toEqual({ required: true, caSubjects: [subject], verifyDepth: 2 });

    const misdirected = await explain({ url: 'https://mtls.example/', sni: 'shop.example' });
    expect(misdirected.body.tls.misdirected).toMatchObject({ status: 421 });
    expect(misdirected.body.outcome).toMatchObject({ action: 'misdirected', status: 421 });
    const sameHost = await explain({ url: 'https://other.example/', sni: 'shop.example' });
    expect(sameHost.body.tls.misdirected).toBeNull();
  });

  it('validates the body and answers no key material', async () => {
    const bad = await explain({ url: '/relative' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('url');
    const unauthenticated = await fetch(`${stack.api.url}/api/v1/explain`, { method: 'POST', body: '{}' });
    expect(unauthenticated.status).toBe(401);
    stack.expectNoKeyAnywhere();
  });
});

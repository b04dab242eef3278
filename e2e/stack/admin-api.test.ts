import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateAuthority, type SseClient, type TestAuthority } from '@portico/testing';
import { eventually } from '../support/http-client.js';
import { ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack, type SourceKind } from '../support/stack.js';
import { opensslSubject, presentedCertificate } from '../support/tls-clients.js';

/** What each source's certificate list said at the same point of the suite: both must say the same. */
const certificateLists = new Map<SourceKind, unknown>();

/** The admin API changes what the proxy does, over either store: what an operator does with curl. */
describe.each(SOURCES)('the admin API with the %s source', (source) => {
  let stack: Stack;
  let ca: TestAuthority;

  beforeAll(async () => {
    ca = await certificateAuthority();
    // Reports every 200 ms, so the traffic summary shows the suite's requests without waiting 5 s.
    stack = await Stack.start({ 'class.yaml': ingressClass() }, { trafficReportIntervalMs: 200 }, { source });
    const web = await stack.echo('web', 1);
    const tlsWeb = await stack.echo('tlsweb', 1, await ca.issue(['api-pass.example.com'], 'backend-own'));
    await stack.write('services.yaml', [serviceWithPods('web', web), serviceWithPods('tlsweb', tlsWeb)].join('---\n'));
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await stack?.stop();
  });
  const streams: SseClient[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await stack.adminFetch(method, path, body);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
  };

  const ingressBody = (name: string, host: string, service: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }], ...extra },
  });

  it('an Ingress created through the API carries traffic through the real proxy', async () => {
    const res = await stack.adminFetch('POST', '/api/v1/ingresses', ingressBody('api-made', 'api.example.com', 'web'));
    expect(res.status).toBe(201);
    await eventually(async () => expect((await stack.request('api.example.com', '/')).service).toBe('web'), 5000);
  });

  it('toggling passthrough through the API makes a real TLS client see the backend’s certificate', async () => {
    expect((await stack.adminFetch('POST', '/api/v1/ingresses', ingressBody('api-pass', 'api-pass.example.com', 'tlsweb'))).status).toBe(201);
    // Routed (the plain-HTTP request reaches a TLS-only backend, which cannot answer it): no longer 404.
    await eventually(async () => expect((await stack.request('api-pass.example.com', '/')).status).not.toBe(404), 5000);
    const res = await stack.adminFetch('PATCH', '/api/v1/hosts/api-pass.example.com/passthrough', { enabled: true });
    expect(res.status).toBe(200);
    await eventually(async () => expect(await opensslSubject(stack.proxy.httpsPort, 'api-pass.example.com')).toMatch(/CN ?= ?backend-own/), 5000);
  });

  it('an uploaded certificate is served on the next handshake, and no response ever carries its key', async () => {
    const cert = await ca.issue(['uploaded.example.com']);
    const bodies: string[] = [];
    const recorded = async (method: string, path: string, body?: unknown) => {
      const res = await stack.adminFetch(method, path, body);
      bodies.push(await res.clone().text());
      return res;
    };
    expect((await recorded('POST', '/api/v1/certificates', { namespace: 'default', name: 'uploaded', certificatePem: cert.certPem, privateKeyPem: cert.keyPem })).status).toBe(201);
    expect((await recorded('POST', '/api/v1/ingresses', ingressBody('uploaded', 'uploaded.example.com', 'web', { tls: [{ hosts: ['uploaded.example.com'], secretName: 'uploaded' }] }))).status).toBe(201);
    await eventually(async () => expect((await presentedCertificate(stack.proxy.httpsPort, 'uploaded.example.com')).subjectCN).toBe('uploaded.example.com'), 5000);
    for (const path of ['/api/v1/certificates', '/api/v1/certificates/default/uploaded', '/api/v1/routes', '/api/v1/hosts', '/api/v1/audit']) await recorded('GET', path);
    await recorded('POST', '/api/v1/explain', { url: 'https://uploaded.example.com/' });
    const keyBody = cert.keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const body of bodies) {
      expect(body).not.toContain('PRIVATE KEY');
      expect(body.replace(/\\n|\s/g, '')).not.toContain(keyBody.slice(0, 40));
    }
  });

  it('certificates: a self-signed one is listed before any Ingress uses it, replaced, served, and deleted while in use only when forced', async () => {
    const made = await call('POST', '/api/v1/certificates/self-signed', { namespace: 'default', name: 'generated', hosts: ['gen.example.com'] });
    expect(made.status).toBe(201);
    const list = await eventually(async () => {
      const { body } = await call('GET', '/api/v1/certificates');
      expect(body.certificates.map((c: any) => c.id)).toContain('default/generated');
      return body.certificates;
    });
    expect(list.find((c: any) => c.id === 'default/generated')).toMatchObject({
      kind: 'tls', loaded: true, hasPrivateKey: true, usedBy: { hosts: [] }, certificate: { dnsNames: ['gen.example.com'] }, chain: { selfSigned: true },
    });
    certificateLists.set(source, list.map((c: any) => ({ id: c.id, kind: c.kind, loaded: c.loaded, hasPrivateKey: c.hasPrivateKey, dnsNames: c.certificate?.dnsNames, hosts: c.usedBy.hosts })));

    const next = await ca.issue(['gen.example.com', 'www.gen.example.com']);
    const replaced = await call('PUT', '/api/v1/certificates/default/generated', { certificatePem: next.certPem, privateKeyPem: next.keyPem });
    expect(replaced.status).toBe(200);
    expect(replaced.body.certificate.dnsNames).toEqual(['gen.example.com', 'www.gen.example.com']);
    expect((await call('POST', '/api/v1/ingresses', ingressBody('gen', 'gen.example.com', 'web', { tls: [{ hosts: ['gen.example.com'], secretName: 'generated' }] }))).status).toBe(201);
    await eventually(async () => expect((await presentedCertificate(stack.proxy.httpsPort, 'gen.example.com')).fingerprint256).toBe(new X509Certificate(next.certPem).fingerprint256), 5000);
    const detail = await call('GET', '/api/v1/certificates/default/generated');
    expect(detail.body.entries[0].usedBy).toMatchObject({ hosts: ['gen.example.com'], servedFor: ['gen.example.com'] });

    const refused = await call('DELETE', '/api/v1/certificates/default/generated');
    expect(refused).toMatchObject({ status: 409, type: expect.stringContaining('application/problem+json') });
    expect(refused.body.detail).toContain('Ingress default/gen');
    const forced = await call('DELETE', '/api/v1/certificates/default/generated?force=true');
    expect(forced.body).toMatchObject({ deleted: 'default/generated', wasUsedBy: [expect.stringContaining('Ingress default/gen')] });
    await eventually(async () => expect((await call('GET', '/api/v1/certificates/default/generated')).status).toBe(404));
  });

  it('hosts: the list and one host show each mode; PATCH passthrough off says what it changes, and the proxy terminates again', async () => {
    const hosts = Object.fromEntries((await call('GET', '/api/v1/hosts')).body.hosts.map((h: any) => [h.host, h]));
    expect(hosts['api.example.com']).toMatchObject({ mode: 'plain', certificate: { reason: 'no-tls-host', source: 'proxy-default' } });
    expect(hosts['api-pass.example.com']).toMatchObject({ mode: 'passthrough', passthrough: { service: 'default/tlsweb' } });
    expect(hosts['uploaded.example.com']).toMatchObject({ mode: 'terminated', httpPolicy: 'redirect', certificate: { certificateId: 'default/uploaded', reason: 'exact-host' } });
    expect((await call('GET', '/api/v1/hosts/uploaded.example.com')).body.routeList.map((r: any) => r.id)).toEqual(['default/uploaded:r0p0']);
    expect((await call('GET', '/api/v1/hosts/nope.example.com')).status).toBe(404);
    const bad = await call('PATCH', '/api/v1/hosts/api-pass.example.com/passthrough', { enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('enabled');

    const off = await call('PATCH', '/api/v1/hosts/api-pass.example.com/passthrough', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ written: true, ingresses: [{ ingress: { name: 'api-pass' }, before: 'true', after: null, changed: true }] });
    await eventually(async () => expect((await call('GET', '/api/v1/hosts/api-pass.example.com')).body.mode).toBe('plain'), 5000);
    await eventually(async () => expect(await opensslSubject(stack.proxy.httpsPort, 'api-pass.example.com')).not.toMatch(/backend-own/), 5000);
  });

  it('explain: the decision the proxy makes, with the route, the certificate and why; a relative URL is a 400 naming url', async () => {
    const plain = await call('POST', '/api/v1/explain', { url: 'http://api.example.com/some/path' });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ listener: 'http', match: { kind: 'route', source: { ingress: { name: 'api-made' } } }, outcome: { action: 'proxied' } });
    expect((await stack.request('api.example.com', '/some/path')).service).toBe('web');
    const tls = await call('POST', '/api/v1/explain', { url: 'https://uploaded.example.com/' });
    expect(tls.body.tls).toMatchObject({ mode: 'terminate', certificate: { certificateId: 'default/uploaded', reason: 'exact-host' } });
    const bad = await call('POST', '/api/v1/explain', { url: '/relative' });
    expect(bad).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json') });
    expect(bad.body.errors[0].field).toBe('url');
  });

  it('settings: PATCH tls.httpPolicy is written to the store and followed by the real proxy; invalid or stale is refused', async () => {
    const policy = (body: any) => body.settings.find((s: any) => s.key === 'tls.httpPolicy');
    expect(policy((await call('GET', '/api/v1/settings')).body)).toMatchObject({ value: 'redirect', origin: 'flag' });
    expect((await stack.request('uploaded.example.com', '/')).status).toBe(308);
    const reject = await call('PATCH', '/api/v1/settings', { settings: { 'tls.httpPolicy': 'reject' } });
    // `applied`: the answer waited for the compile that read the write, over either source.
    expect(reject).toMatchObject({ status: 200, body: { applied: true, configMapExists: true } });
    expect(policy(reject.body)).toMatchObject({ value: 'reject', origin: 'configMap' });
    await eventually(async () => expect((await stack.request('uploaded.example.com', '/')).status).toBe(403), 5000);
    const invalid = await call('PATCH', '/api/v1/settings', { settings: { 'tls.httpPolicy': 'sometimes' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].field).toBe('settings.tls.httpPolicy');
    expect((await call('PATCH', '/api/v1/settings', { settings: { 'tls.httpPolicy': 'allow' }, resourceVersion: 'stale-version' })).status).toBe(409);
    expect((await call('PATCH', '/api/v1/settings', { settings: { 'tls.httpPolicy': null } })).body.applied).toBe(true);
    await eventually(async () => expect((await stack.request('uploaded.example.com', '/')).status).toBe(308), 5000);
  });

  it('events and diagnostics: a shadowed rule made through the API streams its change and diagnostic, and GET /diagnostics names the winner', async () => {
    const events = await stack.events();
    streams.push(events);
    expect(events.response.headers.get('content-type')).toContain('text/event-stream');
    const shadowing = ingressBody('api-shadow', 'api.example.com', 'web');
    shadowing.spec.rules[0].http.paths = [
      { path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } },
      { path: '/only-here', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
    ];
    expect((await call('POST', '/api/v1/ingresses', shadowing)).status).toBe(201);
    const raised = await events.next((e) => e.event === 'diagnostic-raised' && e.data.diagnostic?.code === 'ShadowedRoute', 'the ShadowedRoute diagnostic');
    expect(raised.data.diagnostic).toMatchObject({ object: { name: 'api-shadow' }, field: 'spec.rules[0].http.paths[0]' });
    await events.next((e) => e.event === 'object-changed', 'the change of the source');
    const applied = await events.next((e) => e.event === 'proxy-applied', 'the proxy applying the new routes');
    expect(applied.data.generation).toBe(stack.api.generation());

    const { body } = await call('GET', '/api/v1/diagnostics?code=ShadowedRoute');
    expect(body.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', object: expect.objectContaining({ name: 'api-shadow' }), field: 'spec.rules[0].http.paths[0]' })]);
    expect(body.diagnostics[0].message).toContain('spec.rules[0].http.paths[0] of Ingress default/api-made');
    expect((await stack.request('api.example.com', '/only-here')).status).toBe(200);
  });

  it('ingress writes: a dry run previews and stores nothing, the write then reads back at once, and the annotation catalog and session answer', async () => {
    const body = ingressBody('api-dry', 'api-dry.example.com', 'web');
    const preview = await call('POST', '/api/v1/ingresses?dryRun=All', body);
    expect(preview.status).toBe(201); // as Kubernetes answers a dry-run create
    expect(preview.body.dryRun).toBe(true);
    expect(preview.body.changes.added).toEqual([expect.objectContaining({ host: 'api-dry.example.com', path: '/' })]);
    expect((await call('GET', '/api/v1/ingresses/default/api-dry')).status).toBe(404);
    expect((await call('POST', '/api/v1/ingresses', body)).status).toBe(201);
    // Read-your-writes over this source: the patch right after the create finds it.
    const patched = await stack.adminFetch('PATCH', '/api/v1/ingresses/default/api-dry', { metadata: { labels: { team: 'e2e' } } });
    expect(patched.status).toBe(200);
    expect((await call('DELETE', '/api/v1/ingresses/default/api-dry')).status).toBe(200);
    expect((await call('GET', '/api/v1/ingresses/default/api-dry')).status).toBe(404);

    const catalog = (await call('GET', '/api/v1/ingresses/annotations')).body;
    expect(JSON.stringify(catalog)).toContain('pipy.ingress.kubernetes.io/lb-type');
    expect((await call('GET', '/api/v1/session')).body).toEqual({ role: 'admin' });
  });

  it('traffic, audit, routes, proxies, source and health: what the suite did, as the proxy and the store saw it', async () => {
    const traffic = await eventually(async () => {
      const { body } = await call('GET', '/api/v1/traffic?window=60');
      const host = body.hosts.find((h: any) => h.host === 'api.example.com');
      expect(host?.requests).toBeGreaterThan(0);
      return body;
    }, 5000);
    expect(traffic.proxies.map((p: any) => p.id)).toEqual([expect.stringMatching(/^e2e-/)]);
    expect((await call('GET', '/api/v1/traffic?window=1')).status).toBe(400);

    const audit = (await call('GET', '/api/v1/audit?limit=100')).body.entries.map((e: any) => `${e.action} ${e.target.kind} ${e.target.name}`);
    expect(audit).toEqual(expect.arrayContaining([
      'create Ingress api-made', 'certificate.create Secret uploaded', 'certificate.self-signed Secret generated', 'certificate.replace Secret generated',
      'certificate.delete Secret generated', 'host.passthrough.enable Ingress api-pass', 'host.passthrough.disable Ingress api-pass', 'settings.update ConfigMap portico-settings',
    ]));

    const routes = (await call('GET', '/api/v1/routes')).body;
    expect(routes.generation).toBe(stack.api.generation());
    expect(routes.certificates.every((c: any) => !String(c.keyPem).includes('PRIVATE KEY'))).toBe(true);
    const proxies = (await call('GET', '/api/v1/proxies')).body.proxies;
    expect(proxies).toEqual([expect.objectContaining({ appliedGeneration: stack.api.generation() })]);
    expect((await call('GET', '/api/v1/source')).body).toMatchObject({ kind: source === 'kubernetes' ? 'kubernetes' : 'files', synced: true });
    expect((await fetch(`${stack.api.url}/readyz`)).status).toBe(200);
  });
});

describe('both sources', () => {
  it('list the same certificates, with the same facts and uses', () => {
    expect(certificateLists.get('kubernetes')).toEqual(certificateLists.get('manifests'));
    expect(certificateLists.get('manifests')).toBeDefined();
  });
});

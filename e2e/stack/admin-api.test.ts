import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateAuthority, type TestAuthority } from '@portico/testing';
import { eventually } from '../support/http-client.js';
import { ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';
import { opensslSubject, presentedCertificate } from '../support/tls-clients.js';

/** The admin API changes what the proxy does, over either store: what an operator does with curl. */
describe.each(SOURCES)('the admin API with the %s source', (source) => {
  let stack: Stack;
  let ca: TestAuthority;

  beforeAll(async () => {
    ca = await certificateAuthority();
    stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source });
    const web = await stack.echo('web', 1);
    const tlsWeb = await stack.echo('tlsweb', 1, await ca.issue(['api-pass.example.com'], 'backend-own'));
    await stack.write('services.yaml', [serviceWithPods('web', web), serviceWithPods('tlsweb', tlsWeb)].join('---\n'));
  });

  afterAll(() => stack?.stop());

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
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await stack.adminFetch(method, path, body);
      bodies.push(await res.clone().text());
      return res;
    };
    expect((await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'uploaded', certificatePem: cert.certPem, privateKeyPem: cert.keyPem })).status).toBe(201);
    expect((await call('POST', '/api/v1/ingresses', ingressBody('uploaded', 'uploaded.example.com', 'web', { tls: [{ hosts: ['uploaded.example.com'], secretName: 'uploaded' }] }))).status).toBe(201);
    await eventually(async () => expect((await presentedCertificate(stack.proxy.httpsPort, 'uploaded.example.com')).subjectCN).toBe('uploaded.example.com'), 5000);
    await call('GET', '/api/v1/certificates');
    await call('GET', '/api/v1/certificates/default/uploaded');
    await call('GET', '/api/v1/routes');
    await call('GET', '/api/v1/audit');
    const keyBody = cert.keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const body of bodies) {
      expect(body).not.toContain('PRIVATE KEY');
      expect(body.replace(/\\n|\s/g, '')).not.toContain(keyBody.slice(0, 40));
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import type { ApiHandle } from '../src/config/api-options.js';
import { waitFor } from './helpers.js';
import { ADMIN, endpointSlice, ingressClass, service, startClusterApi, startKubeEmulator, waitReady, type KubeEmulator, type KubeObject } from './kube-fixtures.js';
import { capturingLogger, keyForms } from './tls-fixtures.js';

const VIEWER = 'viewer-token';
const PASSTHROUGH = 'portico.dev/ssl-passthrough';

const twoPaths = (name: string, host: string, extra: { tlsSecret?: string; annotations?: Record<string, string> } = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: {
    ingressClassName: 'portico',
    ...(extra.tlsSecret ? { tls: [{ hosts: [host], secretName: extra.tlsSecret }] } : {}),
    rules: [
      {
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'secure', port: { number: 80 } } } },
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      },
      { host: 'second.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
    ],
  },
});

describe('PATCH /api/v1/hosts/{host}/passthrough', () => {
  let emulator: KubeEmulator;
  let api: ApiHandle;
  let key: string;
  const captured = capturingLogger();
  const bodies: string[] = [];

  beforeAll(async () => {
    emulator = await startKubeEmulator();
    const cert = await selfSigned(['app.example']);
    key = cert.keyPem;
    emulator.create(ingressClass());
    for (const name of ['web', 'secure']) emulator.create(service(name));
    emulator.create(endpointSlice('web', ['10.0.0.1']));
    emulator.create({ ...endpointSlice('secure', ['10.0.0.2']), metadata: { name: 'secure-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'secure' } } });
    emulator.create(tlsSecret('app-tls', cert));
    emulator.create(
      twoPaths('app', 'app.example', { tlsSecret: 'app-tls', annotations: { 'pipy.ingress.kubernetes.io/rewrite-target-from': '^/api', 'pipy.ingress.kubernetes.io/rewrite-target-to': '/' } }),
    );
    emulator.create({ ...twoPaths('shared-a', 'shared.example'), spec: { ingressClassName: 'portico', rules: [twoPaths('x', 'shared.example').spec!.rules![0]] } } as KubeObject);
    emulator.create({ ...twoPaths('shared-b', 'shared.example'), spec: { ingressClassName: 'portico', rules: [{ host: 'shared.example', http: { paths: [{ path: '/b', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } } as KubeObject);
    api = await startClusterApi(emulator, { viewerToken: VIEWER, logger: captured.logger });
    await waitReady(api);
  });
  afterAll(async () => {
    await api?.close();
    await emulator?.close();
  });

  const call = async (method: string, path: string, body?: object, token = ADMIN) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const annotation = () => (emulator.get('networking.k8s.io/v1', 'Ingress', 'default', 'app')?.metadata.annotations ?? {})[PASSTHROUGH];

  it('answers what would change on a dry run, and writes nothing', async () => {
    const { status, body } = await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: true, dryRun: true });
    expect(status).toBe(200);
    expect(body).toMatchObject({ host: 'app.example', enabled: true, dryRun: true, written: false, ingresses: [{ ingress: { name: 'app' }, before: null, after: 'true', changed: true }] });
    expect(body.effects.routesStopApplying).toEqual([{ id: 'default/app:r0p1', path: '/api', pathType: 'Prefix' }]);
    expect(body.effects.forwardedTo).toEqual([{ ingress: { kind: 'Ingress', namespace: 'default', name: 'app' }, clusterId: expect.any(String), service: 'default/secure:80' }]);
    expect(body.effects.rewritesStopApplying).toHaveLength(2);
    expect(body.effects.certificateNoLongerServed).toBe('default/app-tls');
    expect(body.effects.forwardedHeadersStopApplying).toContain('X-Forwarded-For');
    expect(body.effects.alsoAffectedHosts).toEqual(['second.example']);
    expect(body.warnings.join('\n')).toContain('must speak TLS itself and present a certificate valid for app.example');
    expect(annotation()).toBeUndefined();
  });

  it('refuses a viewer, a stale version and a host owned by several Ingresses', async () => {
    expect((await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: true }, VIEWER)).status).toBe(403);
    const stale = await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: true, resourceVersion: '1' });
    expect(stale.status).toBe(409);
    expect(annotation()).toBeUndefined();
    const shared = await call('PATCH', '/api/v1/hosts/shared.example/passthrough', { enabled: true });
    expect(shared.status).toBe(409);
    expect(shared.body.detail).toContain('default/shared-a');
    expect(shared.body.detail).toContain('default/shared-b');
    const sharedDry = await call('PATCH', '/api/v1/hosts/shared.example/passthrough', { enabled: true, allIngresses: true, dryRun: true });
    expect(sharedDry.status).toBe(200);
    expect(sharedDry.body.ingresses).toHaveLength(2);
    expect((await call('PATCH', '/api/v1/hosts/none.example/passthrough', { enabled: true })).status).toBe(404);
    expect((await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: 'yes' })).status).toBe(400);
  });

  it('switches passthrough on, records it, and off again', async () => {
    const before = (await call('GET', '/api/v1/hosts')).body.generation as number;
    const on = await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ written: true, ingresses: [{ changed: true, resourceVersion: expect.any(String) }] });
    expect(annotation()).toBe('true');
    // The answer names the generation carrying the switch, and that table already has it: no polling needed.
    expect(on.body.generation).toBeGreaterThan(before);
    const hosts = (await call('GET', '/api/v1/hosts')).body;
    expect(hosts.generation).toBe(on.body.generation);
    expect(hosts.hosts.find((h: any) => h.host === 'app.example').mode).toBe('passthrough');
    const audit = await call('GET', '/api/v1/audit');
    expect(JSON.stringify(audit.body)).toContain('host.passthrough.enable');

    const off = await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ written: true, effects: null, ingresses: [{ before: 'true', after: null }] });
    expect(annotation()).toBeUndefined();
    await waitFor(async () => (await call('GET', '/api/v1/hosts/app.example')).body.mode === 'terminated', 'the host terminated again');
    const noop = await call('PATCH', '/api/v1/hosts/app.example/passthrough', { enabled: false });
    expect(noop.body).toMatchObject({ written: false, generation: null, ingresses: [{ changed: false }] });
    for (const form of keyForms(key)) expect(bodies.join('\n') + captured.lines.join('\n')).not.toContain(form);
  });
});

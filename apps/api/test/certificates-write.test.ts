import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import type { ApiHandle } from '../src/config/api-options.js';
import { waitFor } from './helpers.js';
import { ADMIN, endpointSlice, ingress, ingressClass, secret, service, startClusterApi, startKubeEmulator, waitReady, type KubeEmulator } from './kube-fixtures.js';
import { capturingLogger, keyForms } from './tls-fixtures.js';

const VIEWER = 'viewer-token';

describe('certificate writes (Kubernetes source)', () => {
  let emulator: KubeEmulator;
  let api: ApiHandle;
  const captured = capturingLogger();
  const bodies: string[] = [];
  const keys: string[] = [];

  beforeAll(async () => {
    emulator = await startKubeEmulator();
    const used = await selfSigned(['shop.example']);
    keys.push(used.keyPem);
    emulator.create(ingressClass());
    emulator.create(service('web'));
    emulator.create(endpointSlice('web', ['10.0.0.1']));
    emulator.create(tlsSecret('used-tls', used));
    emulator.create(ingress('shop', { host: 'shop.example', tlsSecret: 'used-tls' }));
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
  const stored = (name: string) => emulator.get('v1', 'Secret', 'default', name);

  it('uploads a certificate that matches its key, lists it, and refuses a duplicate', async () => {
    const cert = await selfSigned(['upload.example']);
    keys.push(cert.keyPem);
    const created = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'upload-tls', certificatePem: cert.certPem, privateKeyPem: cert.keyPem });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'default/upload-tls', certificate: { dnsNames: ['upload.example'], fingerprintSha256: new X509Certificate(cert.certPem).fingerprint256 } });
    expect(stored('upload-tls')).toMatchObject({ type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(cert.certPem).toString('base64'), 'tls.key': Buffer.from(cert.keyPem).toString('base64') } });
    // Listed before any Ingress references it (as with the file store), with its key's presence but not the key.
    const unused = await waitFor(async () => (await call('GET', '/api/v1/certificates')).body.certificates?.find((c: any) => c.id === 'default/upload-tls'), 'the unreferenced upload in the list');
    expect(unused).toMatchObject({ kind: 'tls', loaded: true, hasPrivateKey: true, usedBy: { hosts: [], servedFor: [] }, certificate: { dnsNames: ['upload.example'] } });
    expect(unused.warnings).not.toContain('the Secret has no tls.key');
    emulator.create(ingress('upload', { host: 'upload.example', tlsSecret: 'upload-tls' }));
    const listed = await waitFor(async () => (await call('GET', '/api/v1/certificates')).body.certificates?.find((c: any) => c.id === 'default/upload-tls' && c.usedBy.servedFor.length), 'the upload served');
    expect(listed).toMatchObject({ kind: 'tls', usedBy: { hosts: ['upload.example'], servedFor: ['upload.example'] }, notCovered: [] });

    const again = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'upload-tls', certificatePem: cert.certPem, privateKeyPem: cert.keyPem });
    expect(again.status).toBe(409);
  });

  it('lists a TLS Secret made in the cluster that no Ingress references, and forgets it when deleted', async () => {
    const made = await selfSigned(['kubectl.example']);
    keys.push(made.keyPem);
    emulator.create(tlsSecret('kubectl-tls', made));
    emulator.create(secret('opaque', { token: 'never-listed' }, { type: 'Opaque' }));
    const detail = await waitFor(async () => {
      const found = await call('GET', '/api/v1/certificates/default/kubectl-tls');
      return found.status === 200 ? found.body : undefined;
    }, 'the cluster-made TLS Secret');
    expect(detail.entries).toEqual([expect.objectContaining({ kind: 'tls', loaded: true, hasPrivateKey: true, certificate: expect.objectContaining({ dnsNames: ['kubectl.example'] }) })]);
    expect((await call('GET', '/api/v1/certificates/default/opaque')).status).toBe(404);
    emulator.remove('v1', 'Secret', 'default', 'kubectl-tls');
    await waitFor(async () => (await call('GET', '/api/v1/certificates/default/kubectl-tls')).status === 404, 'the deleted Secret to leave the list');
  });

  it('refuses a key that does not match (422) without echoing any PEM, and a viewer (403)', async () => {
    const cert = await selfSigned(['a.example']);
    const other = await selfSigned(['b.example']);
    keys.push(cert.keyPem, other.keyPem);
    const mismatched = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'bad-tls', certificatePem: cert.certPem, privateKeyPem: other.keyPem });
    expect(mismatched.status).toBe(422);
    expect(mismatched.body.detail).toContain('does not belong');
    const text = JSON.stringify(mismatched.body);
    expect(text).not.toContain('BEGIN');
    for (const form of [...keyForms(other.keyPem), new X509Certificate(cert.certPem).raw.toString('base64').slice(0, 40)]) expect(text).not.toContain(form);
    const garbage = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'bad-tls', certificatePem: 'not a pem', privateKeyPem: other.keyPem });
    expect(garbage.status).toBe(422);
    const badKey = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'bad-tls', certificatePem: cert.certPem, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' });
    expect(badKey.status).toBe(422);
    expect(stored('bad-tls')).toBeUndefined();

    const viewer = await call('POST', '/api/v1/certificates', { namespace: 'default', name: 'v-tls', certificatePem: cert.certPem, privateKeyPem: cert.keyPem }, VIEWER);
    expect(viewer.status).toBe(403);
    expect((await call('DELETE', '/api/v1/certificates/default/used-tls?force=true', undefined, VIEWER)).status).toBe(403);
    expect((await call('POST', '/api/v1/certificates/self-signed', { namespace: 'default', name: 'v2', hosts: ['x.example'] }, VIEWER)).status).toBe(403);
  });

  it('replaces a certificate with PUT, and refuses a stale version', async () => {
    const next = await selfSigned(['upload.example', 'www.upload.example']);
    keys.push(next.keyPem);
    const replaced = await call('PUT', '/api/v1/certificates/default/upload-tls', { certificatePem: next.certPem, privateKeyPem: next.keyPem });
    expect(replaced.status).toBe(200);
    expect(replaced.body.certificate.dnsNames).toEqual(['upload.example', 'www.upload.example']);
    expect(stored('upload-tls')?.data?.['tls.crt']).toBe(Buffer.from(next.certPem).toString('base64'));
    const stale = await call('PUT', '/api/v1/certificates/default/upload-tls', { certificatePem: next.certPem, privateKeyPem: next.keyPem, resourceVersion: '1' });
    expect(stale.status).toBe(409);
  });

  it('generates a self-signed ECDSA P-256 certificate and stores it', async () => {
    const generated = await call('POST', '/api/v1/certificates/self-signed', { namespace: 'default', name: 'gen-tls', hosts: ['gen.example', '*.gen.example'], days: 10 });
    expect(generated.status).toBe(201);
    expect(generated.body.certificate).toMatchObject({ subject: 'CN=gen.example', dnsNames: ['*.gen.example', 'gen.example'], key: { type: 'ec', size: 256 } });
    expect(generated.body.certificate.daysLeft).toBeGreaterThanOrEqual(9);
    expect(generated.body.chain.selfSigned).toBe(true);
    const secret = stored('gen-tls')!;
    const keyPem = Buffer.from(String(secret.data?.['tls.key']), 'base64').toString();
    keys.push(keyPem);
    expect(new X509Certificate(Buffer.from(String(secret.data?.['tls.crt']), 'base64').toString()).checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(keyPem)))).toBe(true);
  });

  it('refuses to delete a certificate in use (409) unless forced', async () => {
    const refused = await call('DELETE', '/api/v1/certificates/default/used-tls');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('Ingress default/shop');
    expect(stored('used-tls')).toBeDefined();
    const forced = await call('DELETE', '/api/v1/certificates/default/used-tls?force=true');
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ deleted: 'default/used-tls', wasUsedBy: [expect.stringContaining('Ingress default/shop')] });
    expect(stored('used-tls')).toBeUndefined();
    expect((await call('DELETE', '/api/v1/certificates/default/gen-tls')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/certificates/default/gen-tls')).status).toBe(404);
  });

  it('never returned or logged a private key', async () => {
    const audit = await call('GET', '/api/v1/audit');
    expect(audit.status).toBe(200);
    const everything = bodies.join('\n') + captured.lines.join('\n');
    expect(captured.lines.length).toBeGreaterThan(0);
    for (const key of keys) for (const form of keyForms(key)) expect(everything).not.toContain(form);
  });
});

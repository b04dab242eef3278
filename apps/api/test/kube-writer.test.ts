import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import type { IngressObject, SecretObject } from '@portico/model';
import { KubeClient, loadKubeConfig } from '../src/sources/kubernetes/kube-client.js';
import { KubeWriter } from '../src/sources/kubernetes/kube-writer.js';
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError, SourceUnavailableError } from '../src/sources/write-errors.js';
import { ingress, requestLines, secret, startKubeEmulator, type KubeEmulator } from './kube-fixtures.js';

describe('writing Ingresses and TLS Secrets to the cluster', () => {
  let emulator: KubeEmulator;
  let writer: KubeWriter;

  beforeAll(async () => {
    emulator = await startKubeEmulator();
    writer = new KubeWriter(new KubeClient(loadKubeConfig({ kubeconfig: emulator.kubeconfigPath })));
  });
  afterAll(async () => {
    await emulator?.close();
  });

  const stored = (name: string) => emulator.get('networking.k8s.io/v1', 'Ingress', 'default', name);

  it('creates, replaces, merge-patches and deletes an Ingress', async () => {
    const created = await writer.create('Ingress', ingress('edited') as IngressObject);
    expect(created.metadata).toMatchObject({ name: 'edited', namespace: 'default', uid: expect.any(String), resourceVersion: expect.any(String) });
    await expect(writer.create('Ingress', ingress('edited') as IngressObject)).rejects.toBeInstanceOf(AlreadyExistsError);

    const replaced = await writer.replace('Ingress', { ...created, spec: { ...created.spec, ingressClassName: 'pipy' } });
    expect(stored('edited')?.spec.ingressClassName).toBe('pipy');

    // a merge patch: null removes a field, the rest merges (sent as application/merge-patch+json, or the server would refuse it)
    const patched = await writer.patch('Ingress', { namespace: 'default', name: 'edited' }, { metadata: { labels: { team: 'a' } }, spec: { ingressClassName: null } });
    expect(patched.metadata?.labels).toEqual({ team: 'a' });
    expect(stored('edited')?.spec).not.toHaveProperty('ingressClassName');
    expect(stored('edited')?.spec.rules).toHaveLength(1);
    expect(replaced.metadata?.resourceVersion).not.toBe(patched.metadata?.resourceVersion);

    await writer.delete('Ingress', { namespace: 'default', name: 'edited' });
    expect(stored('edited')).toBeUndefined();
    await expect(writer.delete('Ingress', { namespace: 'default', name: 'edited' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a stale write with a ConflictError carrying the server message, and changes nothing', async () => {
    const read = await writer.create('Ingress', ingress('contested') as IngressObject);
    // someone else changes it after we read it
    emulator.update({ ...stored('contested')!, metadata: { ...stored('contested')!.metadata, labels: { by: 'someone-else' } } });

    const stale = writer.replace('Ingress', { ...read, spec: { ...read.spec, ingressClassName: 'mine' } });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ status: 409, reason: 'Conflict', message: expect.stringMatching(/modified|resourceVersion|latest version/i) });
    expect(stored('contested')?.spec.ingressClassName).toBe('portico');
    expect(stored('contested')?.metadata.labels).toEqual({ by: 'someone-else' });

    const at = { namespace: 'default', name: 'contested' };
    await expect(writer.patch('Ingress', at, { spec: { ingressClassName: 'mine' } }, { resourceVersion: read.metadata!.resourceVersion! })).rejects.toBeInstanceOf(ConflictError);
    await expect(writer.delete('Ingress', at, { resourceVersion: read.metadata!.resourceVersion! })).rejects.toBeInstanceOf(ConflictError);
    expect(stored('contested')).toBeDefined();

    // without a resourceVersion a replace is refused before it is sent: it could overwrite blindly
    const { resourceVersion: _dropped, ...metadata } = read.metadata!;
    await expect(writer.replace('Ingress', { ...read, metadata })).rejects.toBeInstanceOf(InvalidObjectError);

    // with the current version every write goes through
    const current = stored('contested')!;
    await writer.patch('Ingress', at, { spec: { ingressClassName: 'mine' } }, { resourceVersion: current.metadata.resourceVersion! });
    expect(stored('contested')?.spec.ingressClassName).toBe('mine');
  });

  it('writes TLS Secrets, and refuses to write or delete any other Secret', async () => {
    const cert = await selfSigned(['tls.example']);
    const { apiVersion: _v, kind: _k, type: _t, ...untyped } = tlsSecret('site-tls', cert);
    const created = await writer.create('Secret', untyped as SecretObject);
    expect(created.type).toBe('kubernetes.io/tls');

    const rotated = await selfSigned(['tls.example']);
    const replaced = await writer.replace('Secret', { ...created, data: tlsSecret('site-tls', rotated).data });
    expect(Buffer.from(replaced.data!['tls.crt']!, 'base64').toString()).toBe(rotated.certPem);
    await expect(writer.replace('Secret', { ...created, data: {} })).rejects.toBeInstanceOf(ConflictError);
    await writer.patch('Secret', { namespace: 'default', name: 'site-tls' }, { metadata: { labels: { rotated: 'yes' } } });
    expect(emulator.get('v1', 'Secret', 'default', 'site-tls')?.metadata.labels).toEqual({ rotated: 'yes' });

    emulator.upsert(secret('service-token', { token: 'x' }, { type: 'Opaque' }));
    const token = { namespace: 'default', name: 'service-token' };
    await expect(writer.create('Secret', secret('opaque', { a: 'b' }, { type: 'Opaque' }) as SecretObject)).rejects.toBeInstanceOf(InvalidObjectError);
    await expect(writer.patch('Secret', token, { data: { token: 'eQ==' } })).rejects.toBeInstanceOf(InvalidObjectError);
    await expect(writer.delete('Secret', token)).rejects.toBeInstanceOf(InvalidObjectError);
    await expect(writer.patch('Secret', { namespace: 'default', name: 'site-tls' }, { type: 'Opaque' })).rejects.toBeInstanceOf(InvalidObjectError);
    expect(emulator.get('v1', 'Secret', 'default', 'service-token')?.data).toEqual({ token: Buffer.from('x').toString('base64') });

    const from = emulator.requests().length;
    await writer.delete('Secret', { namespace: 'default', name: 'site-tls' });
    expect(emulator.get('v1', 'Secret', 'default', 'site-tls')).toBeUndefined();
    expect(requestLines(emulator, from)).toEqual(['GET /api/v1/namespaces/default/secrets/site-tls', 'DELETE /api/v1/namespaces/default/secrets/site-tls']);
  });

  it('reports an unreachable or failing API server as SourceUnavailableError', async () => {
    emulator.failRequests(503, 300);
    await expect(writer.create('Ingress', ingress('during-outage') as IngressObject)).rejects.toBeInstanceOf(SourceUnavailableError);
  });
});

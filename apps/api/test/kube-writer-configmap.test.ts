import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../src/sources/kubernetes/kube-client.js';
import { KubeWriter } from '../src/sources/kubernetes/kube-writer.js';
import { ConflictError, NotFoundError } from '../src/sources/write-errors.js';
import { startKubeEmulator, type KubeEmulator } from './kube-fixtures.js';

describe('writing the settings ConfigMap to the cluster', () => {
  let emulator: KubeEmulator;
  let writer: KubeWriter;

  beforeAll(async () => {
    emulator = await startKubeEmulator();
    writer = new KubeWriter(new KubeClient(loadKubeConfig({ kubeconfig: emulator.kubeconfigPath })));
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('creates, merge-patches (with a precondition) and deletes a ConfigMap', async () => {
    const created = await writer.create('ConfigMap', { metadata: { name: 'portico-settings' }, data: { 'tls-enabled': 'true' } });
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', resourceVersion: expect.any(String) } });
    const at = { namespace: 'default', name: 'portico-settings' };
    const patched = await writer.patch('ConfigMap', at, { data: { 'tls-enabled': 'false' } }, { resourceVersion: created.metadata!.resourceVersion! });
    expect(emulator.get('v1', 'ConfigMap', 'default', 'portico-settings')?.data).toEqual({ 'tls-enabled': 'false' });
    await expect(writer.patch('ConfigMap', at, { data: { x: '1' } }, { resourceVersion: created.metadata!.resourceVersion! })).rejects.toBeInstanceOf(ConflictError);
    await writer.delete('ConfigMap', at, { resourceVersion: patched.metadata!.resourceVersion! });
    await expect(writer.delete('ConfigMap', at)).rejects.toBeInstanceOf(NotFoundError);
  });
});

import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigMapObject, IngressObject, SecretObject } from '@portico/model';
import { FileStore } from '../src/sources/file-store/file-store.js';
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError } from '../src/sources/write-errors.js';
import { makeTempDir, silentLogger, waitFor } from './helpers.js';

const ingress = (name: string, namespace = 'default', host = `${name}.example`): IngressObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace },
  spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

describe('FileStore writes', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let store: FileStore;

  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    store = new FileStore({ directory: dir, logger: silentLogger(), debounceMs: 10 });
    await store.start();
  });
  afterEach(async () => {
    await store.stop();
    await remove();
  });

  const loaded = (name: string, namespace = 'default') =>
    store.snapshot().ingresses.find((o) => o.metadata?.name === name && o.metadata.namespace === namespace);

  it('creates into <namespace>/<kind>-<name>.yaml, and the store reloads it with the version the write returned', async () => {
    const created = await store.create('Ingress', ingress('web', 'shop'));
    expect(created.metadata?.resourceVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(await readdir(path.join(dir, 'shop'))).toEqual(['ingress-web.yaml']);
    const text = await readFile(path.join(dir, 'shop', 'ingress-web.yaml'), 'utf8');
    expect(text).toMatch(/^apiVersion: networking.k8s.io\/v1\nkind: Ingress\n/);
    expect(text).not.toMatch(/resourceVersion/);
    const seen = await waitFor(() => loaded('web', 'shop'), 'the created Ingress to load');
    expect(seen.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    await expect(store.create('Ingress', ingress('web', 'shop'))).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(store.create('Ingress', ingress('../escape'))).rejects.toBeInstanceOf(InvalidObjectError);
  });

  it('patches one document of a multi-document file and leaves the other documents byte-identical', async () => {
    const before = '# services first\napiVersion: v1\nkind: Service   # odd spacing kept\nmetadata: {name: web}\n---\n';
    const after = '---\n# a trailing object\nkind: ConfigMap\nmetadata:\n  name: other\ndata: {a: "1"}\n';
    const middle = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: multi\nspec:\n  rules: [{host: multi.example}]\n';
    await writeFile(path.join(dir, 'all.yaml'), before + middle + after);
    await waitFor(() => loaded('multi'), 'the Ingress to load');
    await store.settled();
    const version = loaded('multi')!.metadata!.resourceVersion!;

    const patched = await store.patch('Ingress', { namespace: 'default', name: 'multi' }, { metadata: { labels: { team: 'a' } } }, { resourceVersion: version });
    expect(patched.metadata?.labels).toEqual({ team: 'a' });
    const text = await readFile(path.join(dir, 'all.yaml'), 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect(text.endsWith(after)).toBe(true);
    expect(text).toMatch(/team: a/);
    await waitFor(() => loaded('multi')?.metadata?.labels?.team === 'a', 'the patch to load');

    // the version read before the patch is stale now
    await expect(store.patch('Ingress', { namespace: 'default', name: 'multi' }, { metadata: { labels: { team: 'b' } } }, { resourceVersion: version })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.replace('Ingress', { ...ingress('multi'), metadata: { name: 'multi', namespace: 'default', resourceVersion: version } })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.delete('Ingress', { namespace: 'default', name: 'multi' }, { resourceVersion: version })).rejects.toBeInstanceOf(ConflictError);
    expect(await readFile(path.join(dir, 'all.yaml'), 'utf8')).toBe(text);

    // deleting removes just that document
    await store.delete('Ingress', { namespace: 'default', name: 'multi' }, { resourceVersion: patched.metadata!.resourceVersion! });
    const left = await readFile(path.join(dir, 'all.yaml'), 'utf8');
    // the document goes with its own `---` marker; the others keep their bytes
    expect(left).toBe(before.slice(0, -'---\n'.length) + after);
    await waitFor(() => loaded('multi') === undefined, 'the delete to load');
    await expect(store.delete('Ingress', { namespace: 'default', name: 'multi' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('replaces with the version read, removes a file whose only object is deleted, and writes ConfigMaps and TLS Secrets only', async () => {
    const created = await store.create('Ingress', ingress('solo'));
    const replaced = await store.replace('Ingress', { ...ingress('solo', 'default', 'other.example'), metadata: { ...created.metadata } });
    expect(replaced.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    expect(await readFile(path.join(dir, 'default', 'ingress-solo.yaml'), 'utf8')).toMatch(/other\.example/);
    await store.delete('Ingress', { namespace: 'default', name: 'solo' });
    expect(await readdir(path.join(dir, 'default'))).toEqual([]);

    const settings: ConfigMapObject = { kind: 'ConfigMap', metadata: { name: 'portico-settings', namespace: 'default' }, data: { 'tls-enabled': 'true' } };
    await store.create('ConfigMap', settings);
    await store.patch('ConfigMap', { namespace: 'default', name: 'portico-settings' }, { data: { 'tls-enabled': 'false' } });
    expect(await readFile(path.join(dir, 'default', 'configmap-portico-settings.yaml'), 'utf8')).toMatch(/tls-enabled: "false"/);

    const opaque: SecretObject = { kind: 'Secret', metadata: { name: 'token' }, type: 'Opaque', data: {} };
    await expect(store.create('Secret', opaque)).rejects.toBeInstanceOf(InvalidObjectError);
    const tls = await store.create('Secret', { kind: 'Secret', metadata: { name: 'cert' }, data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' } });
    expect(tls.type).toBe('kubernetes.io/tls');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selfSigned, tlsSecret } from '@portico/testing';
import type { ApiHandle } from '../src/config/api-options.js';
import { json, waitFor } from './helpers.js';
import {
  admin,
  diagnostics,
  endpointSlice,
  hosts,
  ingress,
  ingressClass,
  readyz,
  requestLines,
  secret,
  service,
  startClusterApi,
  startKubeEmulator,
  waitReady,
  type KubeEmulator,
} from './kube-fixtures.js';

const INFORMER_PATHS = ['/apis/networking.k8s.io/v1/ingressclasses', '/apis/networking.k8s.io/v1/ingresses', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/secrets'];
const isList = (line: string) => INFORMER_PATHS.some((path) => line === `GET ${path}`);
const isWatch = (line: string) => INFORMER_PATHS.some((path) => line.startsWith(`GET ${path}?watch=true`));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Kubernetes source', () => {
  let emulator: KubeEmulator;
  let api: ApiHandle | undefined;

  beforeEach(async () => {
    emulator = await startKubeEmulator();
    emulator.upsert(ingressClass());
    emulator.upsert(service('web'));
    emulator.upsert(endpointSlice('web', ['10.0.0.1']));
    emulator.upsert(ingress('one'));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await emulator?.close();
  });

  it('compiles the objects of the cluster and follows their changes', async () => {
    api = await startClusterApi(emulator);
    await waitReady(api);
    expect(await hosts(api)).toEqual(['one.example']);
    const table = await json(await admin(api, '/api/v1/routes'));
    expect(table.clusters[0]).toMatchObject({ endpoints: [expect.objectContaining({ address: '10.0.0.1' })] });

    emulator.upsert(ingress('two'));
    await waitFor(async () => (await hosts(api!)).includes('two.example'), 'the new Ingress in the table');
    emulator.upsert(endpointSlice('web', ['10.0.0.1', '10.0.0.2']));
    await waitFor(async () => (await json(await admin(api!, '/api/v1/routes'))).clusters[0].endpoints.length === 2, 'the new endpoint');
    emulator.remove('networking.k8s.io/v1', 'Ingress', 'default', 'one');
    await waitFor(async () => !(await hosts(api!)).includes('one.example'), 'the deleted Ingress to leave the table');

    // only the objects' own lists and watches, no polling
    const lines = requestLines(emulator).filter((line) => !line.includes('/leases'));
    expect(lines.filter(isList).sort()).toEqual([...INFORMER_PATHS].sort().map((path) => `GET ${path}`));
    expect(lines.filter(isWatch)).toHaveLength(INFORMER_PATHS.length);
  });

  it('answers /readyz 503 until every resource is listed, with /healthz up meanwhile', async () => {
    emulator.failRequests(503, 1500);
    api = await startClusterApi(emulator);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect(await readyz(api)).toMatchObject({ status: 503, body: { ready: false, generation: 0 } });
    expect((await admin(api, '/api/v1/routes')).status).toBe(503);
    await waitReady(api);
    expect(await hosts(api)).toEqual(['one.example']);
  });

  it('stays unready while a resource cannot be listed (RBAC), says which, and closes promptly', async () => {
    emulator.forbid('list', 'secrets');
    api = await startClusterApi(emulator);
    await waitFor(async () => (await json(await admin(api!, '/api/v1/source'))).resources.some((r: { error: string | null }) => r.error), 'the failing resource to show');
    const source = await json(await admin(api, '/api/v1/source'));
    expect(source).toMatchObject({ kind: 'kubernetes', synced: false });
    expect(source.resources.find((r: { resource: string }) => r.resource === 'secrets')).toMatchObject({ synced: false, error: expect.stringMatching(/forbidden/i) });
    expect(source.resources.find((r: { resource: string }) => r.resource === 'ingresses')).toMatchObject({ synced: true, error: null });
    expect((await readyz(api)).status).toBe(503);
    const started = Date.now();
    await api.close();
    api = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('resumes dropped watches from their resourceVersion, without listing again', async () => {
    api = await startClusterApi(emulator);
    await waitReady(api);
    const from = emulator.requests().length;
    emulator.dropWatches();
    await waitFor(() => requestLines(emulator, from).filter(isWatch).length >= INFORMER_PATHS.length, 'the watches to reconnect');
    emulator.upsert(ingress('after-drop'));
    await waitFor(async () => (await hosts(api!)).includes('after-drop.example'), 'a change after the drop');
    const lines = requestLines(emulator, from);
    expect(lines.filter(isList)).toEqual([]);
    for (const watch of lines.filter(isWatch)) expect(watch).toMatch(/resourceVersion=\d+/);
  });

  it.each(['event', 'http'] as const)('relists and converges when its resourceVersion expired (410 as %s)', async (mode) => {
    api = await startClusterApi(emulator);
    await waitReady(api);
    const from = emulator.requests().length;
    // The watches end and cannot come back for a moment; changes made meanwhile are then compacted away.
    emulator.failRequests(500, 300);
    emulator.upsert(ingress('after-expiry'));
    emulator.remove('networking.k8s.io/v1', 'Ingress', 'default', 'one');
    emulator.expireResourceVersions(mode);
    await waitFor(async () => (await hosts(api!)).join() === 'after-expiry.example', 'the table to converge after the relist');
    expect(requestLines(emulator, from)).toContain('GET /apis/networking.k8s.io/v1/ingresses');
  });

  it('rides out an API outage: stays ready, shows it as a diagnostic, catches up and clears it', async () => {
    api = await startClusterApi(emulator);
    await waitReady(api);
    const from = emulator.requests().length;
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        statuses.push((await readyz(api!)).status);
        await sleep(50);
      }
    })();
    try {
      emulator.failRequests(500, 1500);
      await waitFor(async () => (await diagnostics(api!)).some((d) => d.code === 'KubernetesUnavailable'), 'the outage diagnostic', 5000);
      const outage = (await diagnostics(api)).find((d) => d.code === 'KubernetesUnavailable');
      expect(outage).toMatchObject({ severity: 'error', message: expect.stringMatching(/500|Internal Server Error/) });
      expect(outage).not.toHaveProperty('file');
      emulator.upsert(ingress('during-outage'));
      await waitFor(async () => (await hosts(api!)).includes('during-outage.example'), 'the change made during the outage', 10_000);
      await waitFor(async () => !(await diagnostics(api!)).some((d) => d.code === 'KubernetesUnavailable'), 'the diagnostic to clear', 10_000);
    } finally {
      polling = false;
      await poller;
    }
    expect(statuses.length).toBeGreaterThan(10);
    expect(new Set(statuses)).toEqual(new Set([200]));
    // the informers were restarted where they stopped: watches from their resourceVersion, no relist
    expect(requestLines(emulator, from).filter(isList)).toEqual([]);
    const source = await json(await admin(api, '/api/v1/source'));
    expect(source.resources.every((r: { error: string | null; synced: boolean }) => r.error === null && r.synced)).toBe(true);
  });

  it('converges after the API server restarts', async () => {
    api = await startClusterApi(emulator);
    await waitReady(api);
    await emulator.restart();
    emulator.upsert(ingress('after-restart'));
    await waitFor(async () => (await hosts(api!)).includes('after-restart.example'), 'a change after the restart', 10_000);
    expect((await readyz(api)).status).toBe(200);
  });

  it('keeps the data of referenced Secrets only, and fetches a Secret once it becomes referenced', async () => {
    const cert = await selfSigned(['one.example', 'two.example']);
    emulator.upsert(ingress('one', { tlsSecret: 'one-tls' }));
    emulator.upsert(tlsSecret('one-tls', cert));
    emulator.upsert(tlsSecret('two-tls', cert));
    emulator.upsert(secret('token', { token: 'not-for-portico' }, { type: 'Opaque', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"..."}}' } }));
    emulator.upsert(ingress('foreign', { className: 'other', tlsSecret: 'foreign-tls' }));
    emulator.upsert(tlsSecret('foreign-tls', cert));
    api = await startClusterApi(emulator);
    await waitReady(api);

    const certificateIds = async () => (await json(await admin(api!, '/api/v1/routes'))).certificates.map((c: { id: string }) => c.id);
    expect(await certificateIds()).toEqual(['default/one-tls']);
    let source = await json(await admin(api, '/api/v1/source'));
    expect(source.secrets).toEqual({ kept: 1, ignored: 3 });

    // an Ingress now references a Secret that was seen (and dropped) before: one GET brings its data
    const from = emulator.requests().length;
    emulator.upsert(ingress('two', { tlsSecret: 'two-tls' }));
    await waitFor(async () => (await certificateIds()).includes('default/two-tls'), 'the newly referenced certificate');
    expect(requestLines(emulator, from)).toContain('GET /api/v1/namespaces/default/secrets/two-tls');
    source = await json(await admin(api, '/api/v1/source'));
    expect(source.secrets).toEqual({ kept: 2, ignored: 2 });

    // no longer referenced: dropped again
    emulator.remove('networking.k8s.io/v1', 'Ingress', 'default', 'two');
    await waitFor(async () => (await json(await admin(api!, '/api/v1/source'))).secrets.kept === 1, 'the Secret to be dropped');
    // a new Secret nobody references changes nothing
    const generation = api.generation();
    emulator.upsert(secret('unrelated', { key: 'value' }, { type: 'Opaque' }));
    await waitFor(async () => (await json(await admin(api!, '/api/v1/source'))).secrets.ignored === 4, 'the unrelated Secret to be seen');
    expect(api.generation()).toBe(generation);
    expect(JSON.stringify(await diagnostics(api))).not.toMatch(/not-for-portico/);
  });

  it('watches only the namespaces it is given, and the settings ConfigMap by name', async () => {
    emulator.upsert(ingress('in-a', { namespace: 'team-a' }));
    emulator.upsert(ingress('in-b', { namespace: 'team-b' }));
    emulator.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'portico-settings', namespace: 'infra' }, data: { 'tls.sslPassthrough.enabled': 'maybe' } });
    emulator.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'infra' }, data: {} });
    api = await startClusterApi(emulator, { watchNamespaces: ['team-a'], settingsConfigMap: 'infra/portico-settings' });
    await waitReady(api);
    expect(await hosts(api)).toEqual(['in-a.example']);
    const found = await diagnostics(api);
    expect(found).toContainEqual(expect.objectContaining({ code: 'InvalidSetting', object: expect.objectContaining({ kind: 'ConfigMap', name: 'portico-settings' }) }));
    expect(found.filter((d) => d.object?.name === 'other' || d.object?.name === 'in-b')).toEqual([]);
    const lines = requestLines(emulator);
    expect(lines).toContain('GET /apis/networking.k8s.io/v1/namespaces/team-a/ingresses');
    expect(lines).toContain('GET /api/v1/namespaces/infra/configmaps?fieldSelector=metadata.name%3Dportico-settings');
    expect(lines.filter(isList)).toEqual(['GET /apis/networking.k8s.io/v1/ingressclasses']);
  });
});

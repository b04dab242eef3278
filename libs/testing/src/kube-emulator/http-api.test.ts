import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError, startKubeEmulator, type KubeEmulator, type KubeObject } from '../index.js';

const cm = (name: string, labels: Record<string, string> = {}, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { k: 'v' },
});

describe('kube emulator HTTP API (raw requests over plain http)', () => {
  let emu: KubeEmulator;
  const watches: AbortController[] = [];

  beforeEach(async () => {
    emu = await startKubeEmulator({ bookmarkIntervalMs: 100 });
  });
  afterEach(async () => {
    for (const w of watches.splice(0)) w.abort();
    await emu.close();
  });

  async function api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
    const res = await fetch(emu.url + path, {
      method,
      headers: { authorization: `Bearer ${emu.token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
  }

  /** Opens a watch; `events` fills as lines arrive, `ended` resolves when the server ends the stream. */
  async function watch(path: string) {
    const controller = new AbortController();
    watches.push(controller);
    const res = await fetch(emu.url + path, { headers: { authorization: `Bearer ${emu.token}` }, signal: controller.signal });
    const events: any[] = [];
    const ended = (async () => {
      let buffer = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            events.push(JSON.parse(buffer.slice(0, i)));
            buffer = buffer.slice(i + 1);
          }
        }
        return true;
      } catch {
        return false;
      }
    })();
    const summary = () => events.map((e) => `${e.type} ${e.object?.metadata?.name ?? e.object?.metadata?.resourceVersion}`);
    return { status: res.status, events, ended, summary };
  }

  it('discovery: /api, /api/v1, /apis, group and group/version documents, /version; openapi answers 404', async () => {
    expect((await api('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await api('GET', '/api/v1')).body;
    expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(core.resources.find((r: any) => r.name === 'services')).toMatchObject({ singularName: 'service', namespaced: true, kind: 'Service', shortNames: ['svc'] });
    expect(core.resources.find((r: any) => r.name === 'namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    const groups = (await api('GET', '/apis')).body;
    expect(groups.groups.map((g: any) => g.name)).toEqual(['networking.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io', 'events.k8s.io']);
    expect((await api('GET', '/apis/networking.k8s.io')).body).toMatchObject({ kind: 'APIGroup', preferredVersion: { groupVersion: 'networking.k8s.io/v1' } });
    const networking = (await api('GET', '/apis/networking.k8s.io/v1')).body;
    expect(networking.resources.map((r: any) => r.name)).toEqual(['ingresses', 'ingresses/status', 'ingressclasses']);
    expect(networking.resources[0]).toMatchObject({ kind: 'Ingress', shortNames: ['ing'], verbs: expect.arrayContaining(['list', 'watch', 'patch']) });
    expect((await api('GET', '/version')).body).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) });
    expect((await api('GET', '/openapi/v2')).status).toBe(404);
    expect((await api('GET', '/apis/apps/v1/deployments')).body).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
  });

  it('watch: replays from a resourceVersion, then live; kind/apiVersion set; namespace and label selectors (objects entering/leaving)', async () => {
    emu.create(cm('before'));
    const rv = (await api('GET', '/api/v1/configmaps')).body.metadata.resourceVersion;
    emu.create(cm('a', { team: 'x' }));
    emu.create(cm('other-ns', { team: 'x' }, 'kube-system'));
    const w = await watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&labelSelector=team%3Dx`);
    expect(w.status).toBe(200);
    await expect.poll(() => w.summary()).toEqual(['ADDED a']);
    expect(w.events[0].object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { namespace: 'default' } });
    const a = emu.get('v1', 'ConfigMap', 'default', 'a')!;
    emu.update({ ...a, data: { k: 'v2' } });
    emu.update({ ...emu.get('v1', 'ConfigMap', 'default', 'a')!, metadata: { ...a.metadata, resourceVersion: undefined, labels: { team: 'y' } } });
    emu.upsert(cm('b', { team: 'y' }));
    emu.upsert(cm('b', { team: 'x' }));
    emu.remove('v1', 'ConfigMap', 'default', 'b');
    await expect.poll(() => w.summary()).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b', 'DELETED b']);
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it('watch without a resourceVersion starts with ADDED for what exists; /watch/ path with a name; timeoutSeconds ends the stream', async () => {
    emu.create(cm('a'));
    emu.create(cm('b'));
    const w = await watch('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
    await expect.poll(() => w.summary()).toEqual(['ADDED a', 'ADDED b']);
    const one = await watch('/api/v1/watch/namespaces/default/configmaps/b?timeoutSeconds=1');
    emu.upsert({ ...cm('a'), data: { k: '2' } });
    emu.upsert({ ...cm('b'), data: { k: '2' } });
    await expect.poll(() => one.summary()).toEqual(['ADDED b', 'MODIFIED b']);
    expect(await w.ended).toBe(true);
    expect(w.summary()).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'MODIFIED b']);
  });

  it('watch bookmarks (allowWatchBookmarks) and sendInitialEvents end marker', async () => {
    emu.create(cm('a'));
    const w = await watch('/api/v1/configmaps?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    await expect.poll(() => w.events.filter((e) => e.type === 'BOOKMARK').length).toBeGreaterThanOrEqual(2);
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    expect(w.events[1]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    expect(w.events[2].object.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('dropWatches() ends open streams cleanly', async () => {
    const w = await watch('/api/v1/configmaps?watch=true');
    await new Promise((r) => setTimeout(r, 50));
    emu.dropWatches();
    expect(await w.ended).toBe(true);
  });

  it('list: limit/continue pagination; an expired continue token is 410', async () => {
    for (const name of ['a', 'b', 'c']) emu.create(cm(name));
    const first = (await api('GET', '/api/v1/namespaces/default/configmaps?limit=2')).body;
    expect(first).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { remainingItemCount: 1 } });
    expect(first.items.map((i: any) => i.metadata.name)).toEqual(['a', 'b']);
    expect(first.items[0].kind).toBeUndefined();
    const second = (await api('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${first.metadata.continue}`)).body;
    expect(second.items.map((i: any) => i.metadata.name)).toEqual(['c']);
    expect(second.metadata.continue).toBeUndefined();
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    emu.expireResourceVersions();
    expect((await api('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${first.metadata.continue}`)).body).toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('create: defaults, generateName, dryRun, validation errors (422/400/405/415)', async () => {
    const created = await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cfg-' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: expect.stringMatching(/^cfg-[a-z0-9]{5}$/), namespace: 'default', uid: expect.any(String), creationTimestamp: expect.stringMatching(/Z$/) });
    expect(created.body.metadata.generation).toBeUndefined();
    const dry = await api('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    expect(dry.status).toBe(201);
    expect(emu.get('v1', 'ConfigMap', 'default', 'dry')).toBeUndefined();
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: {} })).body).toMatchObject({ code: 422, reason: 'Invalid', message: expect.stringContaining('metadata.name: Required value') });
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'))).body).toMatchObject({ code: 422, reason: 'Invalid' });
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', cm('x', {}, 'other'))).body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', { ...cm('x'), kind: 'Secret' })).body).toMatchObject({ code: 400 });
    expect((await api('POST', '/api/v1/configmaps', cm('x'))).status).toBe(405);
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', 'k8s\u0000\u00ff', 'application/vnd.kubernetes.protobuf')).body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', 'data: {}', 'application/yaml')).body).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect((await api('POST', '/api/v1/namespaces/default/configmaps', '{oops')).body).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('update: 409 on a stale resourceVersion, generation only for spec changes, no-op writes keep the resourceVersion, PUT ignores .status', async () => {
    const ing: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { ingressClassName: 'a' } };
    const created = (await api('POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', ing)).body;
    expect(created.status).toEqual({ loadBalancer: {} });
    const path = '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web';
    const labelled = (await api('PUT', path, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } })).body;
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status).toEqual({ loadBalancer: {} });
    const same = (await api('PUT', path, labelled)).body;
    expect(same.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    const respec = (await api('PUT', path, { ...labelled, spec: { ingressClassName: 'b' } })).body;
    expect(respec.metadata.generation).toBe(2);
    expect((await api('PUT', path, { ...labelled, spec: { ingressClassName: 'c' } })).body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await api('PUT', path, { ...labelled, metadata: { ...labelled.metadata, name: 'other' } })).body).toMatchObject({ code: 400 });
    // Unconditional update (no resourceVersion in the body) is allowed, like most built-in kinds.
    expect((await api('PUT', path, { ...respec, metadata: { ...respec.metadata, resourceVersion: undefined } })).status).toBe(200);
    // A merge patch may carry a resourceVersion precondition.
    expect((await api('PATCH', path, { metadata: { resourceVersion: '1' }, spec: { ingressClassName: 'd' } }, 'application/merge-patch+json')).body).toMatchObject({ code: 409 });
    expect((await api('PATCH', path, { spec: 1 }, 'text/plain')).status).toBe(415);
  });

  it('delete: returns the object; finalizers defer removal; preconditions; deletecollection; namespace deletion cascades', async () => {
    emu.create({ ...cm('plain') });
    const deleted = await api('DELETE', '/api/v1/namespaces/default/configmaps/plain');
    expect(deleted.body).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'plain' } });
    expect((await api('DELETE', '/api/v1/namespaces/default/configmaps/plain')).body).toMatchObject({ code: 404, message: 'configmaps "plain" not found' });

    emu.create({ ...cm('held'), metadata: { ...cm('held').metadata, finalizers: ['portico.dev/cleanup'] } });
    const marked = (await api('DELETE', '/api/v1/namespaces/default/configmaps/held')).body;
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(emu.get('v1', 'ConfigMap', 'default', 'held')).toBeDefined();
    await api('PATCH', '/api/v1/namespaces/default/configmaps/held', [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
    expect(emu.get('v1', 'ConfigMap', 'default', 'held')).toBeUndefined();

    const uid = emu.create(cm('guarded')).metadata.uid;
    expect((await api('DELETE', '/api/v1/namespaces/default/configmaps/guarded', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'other' } })).body).toMatchObject({ code: 409 });
    expect((await api('DELETE', '/api/v1/namespaces/default/configmaps/guarded', { preconditions: { uid } })).status).toBe(200);

    emu.create(cm('x1', { group: 'g' }));
    emu.create(cm('x2', { group: 'g' }));
    emu.create(cm('y'));
    const collection = (await api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=group%3Dg')).body;
    expect(collection.items.map((i: any) => i.metadata.name)).toEqual(['x1', 'x2']);
    expect(emu.list('v1', 'ConfigMap').map((o) => o.metadata.name)).toEqual(['y']);

    emu.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    emu.create(cm('in-apps', {}, 'apps'));
    expect((await api('DELETE', '/api/v1/namespaces/apps')).status).toBe(200);
    expect(emu.list('v1', 'ConfigMap', 'apps')).toEqual([]);
  });

  it('status subresource routes: only get/update/patch; unknown subresources 404', async () => {
    emu.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: {} });
    const path = '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status';
    expect((await api('GET', path)).body).toMatchObject({ kind: 'Ingress' });
    const patched = (await api('PATCH', path, { metadata: { labels: { ignored: 'yes' } }, status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } } }, 'application/merge-patch+json')).body;
    expect(patched.status.loadBalancer.ingress).toEqual([{ ip: '1.1.1.1' }]);
    expect(patched.metadata.labels).toBeUndefined();
    expect((await api('DELETE', path)).status).toBe(405);
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/x/status')).status).toBe(404);
  });

  it('forbid() applies per verb and subresource; allow() lifts it', async () => {
    emu.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: {} });
    emu.forbid('update', 'ingresses/status');
    emu.forbid('watch', 'ingresses');
    const status = { status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } } };
    expect((await api('PUT', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status', { ...emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web'), ...status })).body).toMatchObject({
      code: 403,
      message: expect.stringContaining('cannot update resource "ingresses/status" in API group "networking.k8s.io" in the namespace "default"'),
    });
    expect((await api('PATCH', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status', status, 'application/merge-patch+json')).status).toBe(200);
    expect((await api('GET', '/apis/networking.k8s.io/v1/ingresses?watch=true')).status).toBe(403);
    expect((await api('GET', '/apis/networking.k8s.io/v1/ingresses')).status).toBe(200);
    emu.allow();
    expect((await api('GET', '/apis/networking.k8s.io/v1/ingresses?watch=true&timeoutSeconds=1')).status).toBe(200);
  });

  it('the toolchain recipe works too: client-node on the http:// url with skipTLSVerify', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'e', server: emu.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: emu.token }],
      contexts: [{ name: 'e', cluster: 'e', user: 'u' }],
      currentContext: 'e',
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).toContain('default');
  });
});

describe('kube emulator direct API', () => {
  let emu: KubeEmulator;
  beforeEach(async () => {
    emu = await startKubeEmulator({ requireNamespaces: true });
  });
  afterEach(() => emu.close());

  it('create/get/list/update/upsert/remove share the HTTP semantics', async () => {
    const a = emu.create(cm('a'));
    expect(a.metadata).toMatchObject({ namespace: 'default', resourceVersion: expect.stringMatching(/^\d+$/), uid: expect.any(String) });
    expect(() => emu.create(cm('a'))).toThrow(KubeApiError);
    const b = emu.update({ ...a, data: { k: 'b' } });
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    let caught: unknown;
    try {
      emu.update({ ...a, data: { k: 'c' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KubeApiError);
    expect(caught).toMatchObject({ code: 409, reason: 'Conflict', status: { kind: 'Status', code: 409 } });
    expect(emu.upsert({ ...a, data: { k: 'd' } }).data).toEqual({ k: 'd' });
    expect(emu.upsert(cm('new')).metadata.uid).toBeTruthy();
    expect(() => emu.update(cm('ghost'))).toThrow(/not found/);
    expect(() => emu.create(cm('x', {}, 'missing'))).toThrow(/namespaces "missing" not found/);
    expect(() => emu.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })).toThrow(/no resource/);
    const got = emu.get('v1', 'ConfigMap', 'default', 'a')!;
    got.data.k = 'mutated';
    expect(emu.get('v1', 'ConfigMap', 'default', 'a')!.data).toEqual({ k: 'd' });
    expect(emu.list('v1', 'ConfigMap').map((o) => o.metadata.name)).toEqual(['a', 'new']);
    expect(emu.list('v1', 'Namespace').map((o) => o.metadata.name)).toContain('default');
    expect(emu.remove('v1', 'ConfigMap', 'default', 'a')).toBe(true);
    expect(emu.remove('v1', 'ConfigMap', 'default', 'a')).toBe(false);
    // The direct API may seed .status (the HTTP API resets it on create, like a real server).
    const ing = emu.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: {}, status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } } });
    expect(ing.status.loadBalancer.ingress).toHaveLength(1);
    expect(emu.get('networking.k8s.io/v1', 'IngressClass', undefined, 'none')).toBeUndefined();
  });
});

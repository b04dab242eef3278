import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeEmulator, type KubeEmulator, type KubeObject } from '../index.js';

async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let error: unknown = new Error('condition not met in time');
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      error = err;
    }
    if (Date.now() > deadline) throw error;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ingress(name: string, host = `${name}.example.com`, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, labels: { app: name } },
    spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  };
}

/** Awaits a call that must fail with an ApiException; returns its code and parsed Status body. */
async function apiError(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  const err = await call.then(
    () => expect.fail('the call succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(k8s.ApiException);
  const e = err as k8s.ApiException<string>;
  return { code: e.code, body: JSON.parse(e.body) };
}

describe('kube emulator with the real @kubernetes/client-node', () => {
  let emu: KubeEmulator;
  let kc: k8s.KubeConfig;
  let net: k8s.NetworkingV1Api;
  const stoppers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    emu = await startKubeEmulator();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(emu.kubeconfigPath);
    net = kc.makeApiClient(k8s.NetworkingV1Api);
  });

  afterEach(async () => {
    for (const stop of stoppers.splice(0)) await stop();
    await emu.close();
  });

  /** An informer on every Ingress; with `restart`, an error restarts it after 100 ms (client-node stops on errors). */
  function ingressInformer(opts: { restart?: boolean } = {}) {
    const inf = k8s.makeInformer(kc, '/apis/networking.k8s.io/v1/ingresses', () => net.listIngressForAllNamespaces());
    const seen: string[] = [];
    const errors: unknown[] = [];
    let stopping = false;
    inf.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.metadata?.resourceVersion}`));
    inf.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.metadata?.resourceVersion}`));
    inf.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    inf.on('error', (err) => {
      errors.push(err);
      if (opts.restart && !stopping) setTimeout(() => void inf.start().catch(() => undefined), 100);
    });
    stoppers.push(() => {
      stopping = true;
      return inf.stop();
    });
    return { inf, seen, errors };
  }

  it('lists and watches: the informer sees add, update and delete', async () => {
    emu.create(ingress('before'));
    const { inf, seen } = ingressInformer();
    await inf.start();
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['before']);

    const created = await net.createNamespacedIngress({ namespace: 'default', body: ingress('web') as k8s.V1Ingress });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.generation).toBe(1);
    await eventually(() => inf.get('web', 'default'));

    const changed = { ...created, spec: { ...created.spec, ingressClassName: 'portico' } };
    const replaced = await net.replaceNamespacedIngress({ name: 'web', namespace: 'default', body: changed });
    expect(replaced.metadata?.generation).toBe(2);
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    await eventually(() => inf.get('web', 'default')?.spec?.ingressClassName === 'portico');

    emu.remove('networking.k8s.io/v1', 'Ingress', 'default', 'before');
    await eventually(() => seen.includes('delete before'));
    expect(seen).toContain(`update web ${replaced.metadata?.resourceVersion}`);
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['web']);
  });

  it('list answers kind-less items, a global resourceVersion, selectors and 404/409/422 Status errors', async () => {
    emu.create(ingress('a'));
    emu.create({ ...ingress('b', 'b.example.com', 'other') });
    const all = await net.listIngressForAllNamespaces();
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(['default/a', 'other/b']);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(all.items[1].metadata?.resourceVersion));
    expect((await net.listNamespacedIngress({ namespace: 'other' })).items).toHaveLength(1);
    expect((await net.listIngressForAllNamespaces({ labelSelector: 'app=a' })).items.map((i) => i.metadata?.name)).toEqual(['a']);
    expect((await net.listIngressForAllNamespaces({ labelSelector: 'app,app!=a' })).items.map((i) => i.metadata?.name)).toEqual(['b']);
    expect((await net.listIngressForAllNamespaces({ labelSelector: '!app' })).items).toHaveLength(0);
    expect((await net.listIngressForAllNamespaces({ fieldSelector: 'metadata.namespace=other' })).items).toHaveLength(1);
    expect((await net.listIngressForAllNamespaces({ fieldSelector: 'metadata.name=a' })).items.map((i) => i.metadata?.namespace)).toEqual(['default']);

    const missing = await apiError(net.readNamespacedIngress({ name: 'nope', namespace: 'default' }));
    expect(missing).toMatchObject({ code: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 } });
    const twice = await apiError(net.createNamespacedIngress({ namespace: 'default', body: ingress('a') as k8s.V1Ingress }));
    expect(twice).toMatchObject({ code: 409, body: { reason: 'AlreadyExists' } });
    const nameless = { ...ingress('x'), metadata: {} } as k8s.V1Ingress;
    expect(await apiError(net.createNamespacedIngress({ namespace: 'default', body: nameless }))).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
    const replaceMissing = await apiError(net.replaceNamespacedIngress({ name: 'ghost', namespace: 'default', body: ingress('ghost') as k8s.V1Ingress }));
    expect(replaceMissing.code).toBe(404);
  });

  it('stale replace → 409 Conflict surfaced as an ApiException', async () => {
    const first = await net.createNamespacedIngress({ namespace: 'default', body: ingress('web') as k8s.V1Ingress });
    await net.replaceNamespacedIngress({ name: 'web', namespace: 'default', body: { ...first, metadata: { ...first.metadata, labels: { v: '2' } } } });
    const err = await apiError(net.replaceNamespacedIngress({ name: 'web', namespace: 'default', body: { ...first, metadata: { ...first.metadata, labels: { v: '3' } } } }));
    expect(err).toMatchObject({ code: 409, body: { kind: 'Status', reason: 'Conflict', code: 409 } });
    expect(() => emu.update({ ...(first as KubeObject), metadata: { ...first.metadata, labels: {} } as never })).toThrow(/the object has been modified/);
  });

  it('dropWatches(): the informer resumes from its resourceVersion without a relist', async () => {
    emu.create(ingress('a'));
    const { inf, seen } = ingressInformer();
    await inf.start();
    await eventually(() => emu.requests().some((r) => r.query.includes('watch=true')));
    emu.dropWatches();
    const dropAt = emu.requests().length;
    emu.create(ingress('b'));
    await eventually(() => inf.get('b', 'default'), 8000);
    const after = emu.requests().slice(dropAt);
    expect(after.filter((r) => !r.query.includes('watch'))).toEqual([]);
    expect(after[0].query).toMatch(/resourceVersion=\d+/);
    expect(seen.filter((s) => s.startsWith('add'))).toHaveLength(2);
  });

  it('expireResourceVersions() + dropWatches(): the informer gets 410, relists and converges (in-stream ERROR and HTTP 410)', async () => {
    for (const mode of ['event', 'http'] as const) {
      const local = await startKubeEmulator({ goneWatchMode: mode });
      const lkc = new k8s.KubeConfig();
      lkc.loadFromFile(local.kubeconfigPath);
      const lnet = lkc.makeApiClient(k8s.NetworkingV1Api);
      local.create(ingress('a'));
      local.create(ingress('b'));
      const inf = k8s.makeInformer(lkc, '/apis/networking.k8s.io/v1/ingresses', () => lnet.listIngressForAllNamespaces());
      const deleted: string[] = [];
      inf.on('delete', (o) => deleted.push(o.metadata!.name!));
      await inf.start();
      await eventually(() => local.requests().some((r) => r.query.includes('watch=true')));

      // Changes the informer cannot see (its watch is gone and compaction erased them from the history).
      local.dropWatches();
      local.remove('networking.k8s.io/v1', 'Ingress', 'default', 'a');
      local.create(ingress('c'));
      local.expireResourceVersions();
      local.dropWatches();
      await eventually(() => inf.get('c', 'default') && !inf.get('a', 'default'), 8000);
      const lists = local.requests().filter((r) => r.method === 'GET' && r.path === '/apis/networking.k8s.io/v1/ingresses' && !r.query.includes('watch'));
      expect(lists.length).toBeGreaterThanOrEqual(2);
      expect(inf.list().map((o) => o.metadata?.name).sort()).toEqual(['b', 'c']);
      await inf.stop();
      await local.close();
    }
  });

  it('a watch from an expired resourceVersion: in-stream ERROR 410 by default, HTTP 410 on request', async () => {
    emu.create(ingress('a'));
    const rv = (await net.listIngressForAllNamespaces()).metadata!.resourceVersion!;
    emu.expireResourceVersions();
    const headers = { authorization: `Bearer ${emu.token}` };
    const res = await fetch(`${emu.url}/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=${rv}`, { headers });
    expect(res.status).toBe(200);
    const line = JSON.parse((await res.text()).trim());
    expect(line).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    const list = await fetch(`${emu.url}/apis/networking.k8s.io/v1/ingresses?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`, { headers });
    expect(list.status).toBe(410);
    emu.expireResourceVersions('http');
    const refused = await fetch(`${emu.url}/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=${rv}`, { headers });
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ kind: 'Status', code: 410 });
    // A fresh list's resourceVersion is valid again.
    const fresh = (await net.listIngressForAllNamespaces()).metadata!.resourceVersion!;
    const ok = await fetch(`${emu.url}/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=${fresh}&timeoutSeconds=1`, { headers });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
  });

  it('failRequests(500): the informer reports an error; restarted, it converges once the failures stop', async () => {
    emu.create(ingress('a'));
    const { inf, errors } = ingressInformer({ restart: true });
    await inf.start();
    await eventually(() => emu.requests().some((r) => r.query.includes('watch=true')));
    emu.failRequests(500, 600);
    emu.create(ingress('b'));
    await eventually(() => errors.length > 0);
        await eventually(() => inf.get('b', 'default'), 8000);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('failRequests answers a Status body with the given code', async () => {
    emu.failRequests(503, 200);
    expect(await apiError(net.listIngressForAllNamespaces())).toMatchObject({ code: 503, body: { kind: 'Status', code: 503, reason: 'ServiceUnavailable' } });
    await new Promise((r) => setTimeout(r, 250));
    expect((await net.listIngressForAllNamespaces()).items).toEqual([]);
  });

  it('restart() cuts connections, listens on the same port again and keeps the state', async () => {
    emu.create(ingress('a'));
    const { inf, errors } = ingressInformer({ restart: true });
    await inf.start();
    await eventually(() => emu.requests().some((r) => r.query.includes('watch=true')));
    await emu.restart();
    emu.create(ingress('b'));
    await eventually(() => inf.get('b', 'default'), 8000);
    expect(errors.length).toBeGreaterThan(0);
    expect((await net.listIngressForAllNamespaces()).items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    expect(new URL(emu.url).port).not.toBe('');
  });

  it('status subresource: status writes change only .status; a main-resource write ignores .status', async () => {
    const created = await net.createNamespacedIngress({ namespace: 'default', body: { ...ingress('web'), status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }] } } } as k8s.V1Ingress });
    expect(created.status?.loadBalancer?.ingress).toBeUndefined();
    const withStatus = await net.replaceNamespacedIngressStatus({
      name: 'web',
      namespace: 'default',
      body: { ...created, spec: { rules: [] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } },
    });
    expect(withStatus.status?.loadBalancer?.ingress).toEqual([{ ip: '10.0.0.1' }]);
    expect(withStatus.spec?.rules).toHaveLength(1);
    expect(withStatus.metadata?.generation).toBe(1);
    expect(Number(withStatus.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    const patched = await net.patchNamespacedIngressStatus(
      { name: 'web', namespace: 'default', body: { status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.status?.loadBalancer?.ingress).toEqual([{ hostname: 'lb.example.com' }]);
    const jsonPatched = await net.patchNamespacedIngressStatus({
      name: 'web',
      namespace: 'default',
      body: [{ op: 'test', path: '/status/loadBalancer/ingress/0/hostname', value: 'lb.example.com' }, { op: 'replace', path: '/status/loadBalancer/ingress/0/hostname', value: 'lb2.example.com' }],
    });
    expect(jsonPatched.status?.loadBalancer?.ingress?.[0].hostname).toBe('lb2.example.com');
    const failedTest = await apiError(net.patchNamespacedIngressStatus({ name: 'web', namespace: 'default', body: [{ op: 'test', path: '/status/loadBalancer/ingress/0/hostname', value: 'nope' }] }));
    expect(failedTest.code).toBe(422);

    const mainWrite = await net.replaceNamespacedIngress({ name: 'web', namespace: 'default', body: { ...jsonPatched, status: { loadBalancer: {} }, metadata: { ...jsonPatched.metadata, labels: { x: 'y' } } } });
    expect(mainWrite.status?.loadBalancer?.ingress?.[0].hostname).toBe('lb2.example.com');
    expect(mainWrite.metadata?.labels).toEqual({ x: 'y' });

    // Writing the same status again is a no-op: no new resourceVersion.
    const same = await net.replaceNamespacedIngressStatus({ name: 'web', namespace: 'default', body: mainWrite });
    expect(same.metadata?.resourceVersion).toBe(mainWrite.metadata?.resourceVersion);
  });

  it('Leases: create, renew, 409 on a stale resourceVersion (leader election)', async () => {
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const lease: k8s.V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'portico-leader', namespace: 'default' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, acquireTime: new k8s.V1MicroTime(), renewTime: new k8s.V1MicroTime() },
    };
    const created = await coord.createNamespacedLease({ namespace: 'default', body: lease });
    expect(created.spec?.holderIdentity).toBe('pod-a');
    expect(await apiError(coord.createNamespacedLease({ namespace: 'default', body: lease }))).toMatchObject({ code: 409, body: { reason: 'AlreadyExists' } });
    const renewed = await coord.replaceNamespacedLease({ name: 'portico-leader', namespace: 'default', body: { ...created, spec: { ...created.spec, renewTime: new k8s.V1MicroTime(Date.now() + 1000) } } });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stolen = await apiError(coord.replaceNamespacedLease({ name: 'portico-leader', namespace: 'default', body: { ...created, spec: { ...created.spec, holderIdentity: 'pod-b' } } }));
    expect(stolen).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
    const read = await coord.readNamespacedLease({ name: 'portico-leader', namespace: 'default' });
    expect(read.spec?.holderIdentity).toBe('pod-a');
    expect(emu.get('coordination.k8s.io/v1', 'Lease', 'default', 'portico-leader')?.spec.holderIdentity).toBe('pod-a');
  });

  it('Events: core/v1 and events.k8s.io/v1 create (generateName works)', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const ev = await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'web.', namespace: 'default' },
        involvedObject: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', name: 'web', namespace: 'default' },
        reason: 'Sync',
        message: 'Scheduled for sync',
        type: 'Normal',
        source: { component: 'portico' },
        firstTimestamp: new Date(),
        lastTimestamp: new Date(),
        count: 1,
      },
    });
    expect(ev.metadata?.name).toMatch(/^web\.[a-z0-9]{5}$/);
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=web' });
    expect(events.items.map((e) => e.reason)).toEqual(['Sync']);
    const eventsV1 = kc.makeApiClient(k8s.EventsV1Api);
    const e2 = await eventsV1.createNamespacedEvent({
      namespace: 'default',
      body: { metadata: { name: 'web.2' }, eventTime: new k8s.V1MicroTime(), reason: 'Sync', action: 'Sync', reportingController: 'portico', reportingInstance: 'pod-a', type: 'Normal', regarding: { kind: 'Ingress', name: 'web', namespace: 'default' } },
    });
    expect(e2.metadata?.uid).toBeTruthy();
  });

  it('forbid(): 403 Forbidden Status on that verb and resource only', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    emu.forbid('list', 'secrets');
    const err = await apiError(core.listSecretForAllNamespaces());
    expect(err).toMatchObject({ code: 403, body: { kind: 'Status', reason: 'Forbidden', code: 403 } });
    expect(err.body.message).toMatch(/cannot list resource "secrets" in API group "" at the cluster scope/);
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, stringData: { k: 'v' } } });
    const secret = await core.readNamespacedSecret({ name: 's', namespace: 'default' });
    expect(secret.data).toEqual({ k: Buffer.from('v').toString('base64') });
    emu.allow('list', 'secrets');
    expect((await core.listSecretForAllNamespaces()).items).toHaveLength(1);
  });

  it('rejects a wrong token with 401 and logs requests with their user agent', async () => {
    const res = await fetch(`${emu.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    await net.listIngressForAllNamespaces();
    expect(emu.requests().at(-1)).toMatchObject({ method: 'GET', path: '/apis/networking.k8s.io/v1/ingresses', query: '' });
    expect(emu.requests().at(-1)?.userAgent).toMatch(/kubernetes-client-javascript/);
  });
});

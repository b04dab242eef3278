import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiHandle } from '../src/config/api-options.js';
import { waitFor } from './helpers.js';
import {
  endpointSlice,
  hosts,
  ingress,
  ingressClass,
  readyz,
  requestLines,
  service,
  startClusterApi,
  startKubeEmulator,
  waitReady,
  type KubeEmulator,
} from './kube-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const statusWrites = (emulator: KubeEmulator, name?: string, from = 0) =>
  requestLines(emulator, from).filter((line) => line.startsWith(`PATCH /apis/networking.k8s.io/v1/namespaces/default/ingresses/${name ?? ''}`) && line.endsWith('/status'));

describe('Ingress status', () => {
  let emulator: KubeEmulator;
  const apis: ApiHandle[] = [];

  beforeEach(async () => {
    emulator = await startKubeEmulator();
    emulator.upsert(ingressClass());
    emulator.upsert(service('web'));
    emulator.upsert(endpointSlice('web', ['10.0.0.1']));
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) await api.close();
    await emulator?.close();
  });
  const start = async (options: Parameters<typeof startClusterApi>[1]) => {
    const api = await startClusterApi(emulator, options);
    apis.push(api);
    return api;
  };
  const loadBalancer = (name: string) => emulator.get('networking.k8s.io/v1', 'Ingress', 'default', name)?.status?.loadBalancer;

  it('publishes the configured address once, leaves other classes alone, and clears it when an Ingress leaves the class', async () => {
    emulator.upsert(ingress('mine'));
    emulator.upsert(ingress('theirs', { className: 'nginx' }));
    const api = await start({ publishAddress: '203.0.113.7,LB.example.com' });
    await waitReady(api);
    await waitFor(() => loadBalancer('mine')?.ingress?.length === 2, 'the published address');
    expect(loadBalancer('mine')).toEqual({ ingress: [{ hostname: 'lb.example.com' }, { ip: '203.0.113.7' }] });

    // unrelated changes (a new endpoint, a recompile) do not rewrite it
    emulator.upsert(endpointSlice('web', ['10.0.0.1', '10.0.0.2']));
    emulator.upsert(service('other'));
    await sleep(400);
    expect(statusWrites(emulator, 'mine')).toHaveLength(1);
    expect(statusWrites(emulator, 'theirs')).toEqual([]);
    expect(loadBalancer('theirs')?.ingress).toBeUndefined();

    // the Ingress moves to another class: the address we wrote is removed
    const mine = emulator.get('networking.k8s.io/v1', 'Ingress', 'default', 'mine')!;
    emulator.update({ ...mine, spec: { ...mine.spec, ingressClassName: 'nginx' } });
    await waitFor(() => loadBalancer('mine')?.ingress === undefined, 'the status to be cleared');
    expect(loadBalancer('mine')).toEqual({});
    expect(statusWrites(emulator, 'mine')).toHaveLength(2);
    await sleep(300);
    expect(statusWrites(emulator, 'mine')).toHaveLength(2);
  });

  it('publishes the address of the publish Service and follows it', async () => {
    emulator.upsert(ingress('mine'));
    emulator.upsert(service('portico', 'infra', { spec: { type: 'LoadBalancer', clusterIP: '10.96.0.99', ports: [{ port: 443 }] } }));
    const api = await start({ publishService: 'infra/portico', watchNamespaces: ['default'] });
    await waitReady(api);
    // the load balancer is pending: nothing is published (not the cluster IP)
    await sleep(300);
    expect(statusWrites(emulator)).toEqual([]);

    const lb = emulator.get('v1', 'Service', 'infra', 'portico')!;
    emulator.update({ ...lb, status: { loadBalancer: { ingress: [{ ip: '198.51.100.4' }] } } });
    await waitFor(() => loadBalancer('mine')?.ingress?.[0]?.ip === '198.51.100.4', 'the load balancer address');
    const again = emulator.get('v1', 'Service', 'infra', 'portico')!;
    emulator.update({ ...again, status: { loadBalancer: { ingress: [{ hostname: 'elb.example.net' }] } } });
    await waitFor(() => loadBalancer('mine')?.ingress?.[0]?.hostname === 'elb.example.net', 'the new load balancer address');
    expect(loadBalancer('mine')?.ingress).toHaveLength(1);
    // the publish Service outside the watched namespaces is watched by name only
    expect(requestLines(emulator)).toContain('GET /api/v1/namespaces/infra/services?fieldSelector=metadata.name%3Dportico');
  });

  it('lets only the leader write, and hands over when the leader stops', async () => {
    emulator.upsert(ingress('first'));
    // a 4 s lease: taking over by expiry would need at least that; a released Lease is taken at the next poll
    const a = await start({ publishAddress: '203.0.113.7', leaseDurationMs: 4000 });
    await waitReady(a);
    await waitFor(async () => (await readyz(a)).body.isLeader === true, 'the first replica to lead');
    const b = await start({ publishAddress: '203.0.113.7', leaseDurationMs: 4000 });
    await waitReady(b);
    await waitFor(() => loadBalancer('first')?.ingress !== undefined, 'the status of the first Ingress');
    expect((await readyz(b)).body).toMatchObject({ ready: true, isLeader: false });

    emulator.upsert(ingress('second'));
    await waitFor(async () => (await hosts(b)).includes('second.example'), 'the follower to compile the change too');
    await waitFor(() => loadBalancer('second')?.ingress !== undefined, 'the status of the second Ingress');
    await sleep(300);
    expect(statusWrites(emulator, 'first')).toHaveLength(1);
    expect(statusWrites(emulator, 'second')).toHaveLength(1);

    // the leader stops: it releases the Lease, and the other replica takes over without waiting for it to expire
    await a.close();
    apis.splice(apis.indexOf(a), 1);
    const released = Date.now();
    await waitFor(async () => (await readyz(b)).body.isLeader === true, 'the second replica to lead', 5000);
    expect(Date.now() - released).toBeLessThan(2500);
    const lease = emulator.get('coordination.k8s.io/v1', 'Lease', 'default', 'portico-leader')!;
    expect(lease.spec).toMatchObject({ holderIdentity: expect.any(String), leaseTransitions: 1 });

    emulator.upsert(ingress('third'));
    await waitFor(() => loadBalancer('third')?.ingress?.[0]?.ip === '203.0.113.7', 'the new leader to write the status');
  });

  it('steps down when it cannot renew the Lease, stays ready, and leads again afterwards', async () => {
    emulator.upsert(ingress('first'));
    const api = await start({ publishAddress: '203.0.113.7' });
    await waitReady(api);
    await waitFor(async () => (await readyz(api)).body.isLeader === true, 'leadership');
    emulator.failRequests(500, 1500);
    await waitFor(async () => (await readyz(api)).body.isLeader === false, 'the leader to step down', 3000);
    expect((await readyz(api)).status).toBe(200);
    await waitFor(async () => (await readyz(api)).body.isLeader === true, 'leadership again', 5000);
  });

  it('takes over when the leader vanishes without releasing the Lease', async () => {
    emulator.upsert(ingress('first'));
    emulator.upsert({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'portico-leader', namespace: 'default' },
      spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: 1, renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
    const api = await start({ publishAddress: '203.0.113.7' });
    await waitReady(api);
    expect((await readyz(api)).body.isLeader).toBe(false);
    expect(loadBalancer('first')?.ingress).toBeUndefined();
    await waitFor(async () => (await readyz(api)).body.isLeader === true, 'the expired Lease to be taken over', 5000);
    await waitFor(() => loadBalancer('first')?.ingress !== undefined, 'the status written by the new leader');
    expect(emulator.get('coordination.k8s.io/v1', 'Lease', 'default', 'portico-leader')?.spec.leaseTransitions).toBe(1);
  });
});

describe('Events', () => {
  let emulator: KubeEmulator;
  let api: ApiHandle | undefined;

  beforeEach(async () => {
    emulator = await startKubeEmulator();
    emulator.upsert(ingressClass());
    emulator.upsert(service('web'));
    emulator.upsert(endpointSlice('web', ['10.0.0.1']));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await emulator?.close();
  });
  const events = () => emulator.list('v1', 'Event', 'default');
  const eventWrites = (from = 0) => requestLines(emulator, from).filter((line) => /^(POST|PATCH) \/api\/v1\/namespaces\/default\/events/.test(line));

  it('records one Warning Event per distinct problem of an owned Ingress, and counts repeats at most once per interval', async () => {
    emulator.upsert(ingress('broken', { tlsSecret: 'missing-tls', annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }));
    emulator.upsert(ingress('foreign', { className: 'nginx', annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }));
    api = await startClusterApi(emulator, { eventPatchIntervalMs: 500 });
    await waitReady(api);
    await waitFor(() => events().length === 2, 'two Events');
    const uid = emulator.get('networking.k8s.io/v1', 'Ingress', 'default', 'broken')!.metadata.uid;
    const byReason = Object.fromEntries(events().map((event) => [event.reason, event]));
    expect(Object.keys(byReason).sort()).toEqual(['InvalidAnnotation', expect.stringMatching(/Secret/)].sort());
    for (const event of events()) {
      expect(event).toMatchObject({
        type: 'Warning',
        count: 1,
        source: { component: 'portico' },
        involvedObject: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', namespace: 'default', name: 'broken', uid },
        message: expect.any(String),
      });
    }
    expect(byReason.InvalidAnnotation!.message).toMatch(/fastest/);

    // recompiles for other reasons are not new occurrences
    emulator.upsert(endpointSlice('web', ['10.0.0.1', '10.0.0.2']));
    await sleep(700);
    expect(eventWrites()).toHaveLength(2);

    // the Ingress is edited twice and still has both problems: same Events, count raised, one patch per Event per interval
    const from = emulator.requests().length;
    for (const label of ['one', 'two']) {
      const broken = emulator.get('networking.k8s.io/v1', 'Ingress', 'default', 'broken')!;
      emulator.update({ ...broken, metadata: { ...broken.metadata, labels: { edit: label } } });
      await sleep(50);
    }
    await waitFor(() => events().every((event) => event.count === 3), 'the counts to reach 3', 5000);
    expect(events()).toHaveLength(2);
    const patches = eventWrites(from);
    expect(patches.every((line) => line.startsWith('PATCH'))).toBe(true);
    expect(patches.length).toBeLessThanOrEqual(4);
    for (const event of events()) expect(Date.parse(event.lastTimestamp)).toBeGreaterThanOrEqual(Date.parse(event.firstTimestamp));
  });

  it('retries an Event it could not create', async () => {
    emulator.forbid('create', 'events');
    emulator.upsert(ingress('broken', { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }));
    api = await startClusterApi(emulator);
    await waitReady(api);
    await waitFor(() => requestLines(emulator).some((line) => line.startsWith('POST /api/v1/namespaces/default/events')), 'a refused create');
    expect(events()).toEqual([]);
    emulator.allow();
    await waitFor(() => events().length === 1, 'the Event after the retry', 5000);
    expect(events()[0]).toMatchObject({ reason: 'InvalidAnnotation', count: 1 });
  });

  it('does not duplicate Events when another process takes over', async () => {
    emulator.upsert(ingress('broken', { annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'fastest' } }));
    api = await startClusterApi(emulator, { eventPatchIntervalMs: 100 });
    await waitReady(api);
    await waitFor(() => events().length === 1, 'the Event');
    await api.close();
    api = await startClusterApi(emulator, { eventPatchIntervalMs: 100 });
    await waitReady(api);
    await waitFor(() => events()[0]?.count === 2, 'the existing Event to be counted again');
    expect(events()).toHaveLength(1);
  });
});

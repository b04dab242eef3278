import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { KubeEmulator } from '@portico/testing';
import { eventually } from '../support/http-client.js';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { Stack } from '../support/stack.js';

const run = promisify(execFile);
const PUBLISHED = '203.0.113.10';
let stack: Stack;
let cluster: KubeEmulator;
let dir: string;
let pods: Array<{ pod: string; port: number }>;

/** kubectl against the emulated cluster, as an operator types it. */
const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 20_000 })).stdout;

beforeAll(async () => {
  stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source: 'kubernetes', api: { publishAddress: PUBLISHED } });
  cluster = stack.cluster!;
  pods = await stack.echo('shop', 2);
  dir = await mkdtemp(join(tmpdir(), 'portico-kubectl-'));
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The shop's manifests; `ready` lists which of the two pods are in the EndpointSlice. */
function shopManifests(host: string, ready: number[]): string {
  return [
    serviceWithPods('shop', ready.map((i) => pods[i])),
    ingress('shop', [{ host, paths: [{ path: '/', service: 'shop' }] }]),
  ].join('---\n');
}

describe('the Kubernetes source, driven with kubectl', () => {
  it('kubectl apply routes traffic, a re-apply changes it, kubectl delete removes it', async () => {
    const file = join(dir, 'shop.yaml');
    await writeFile(file, shopManifests('shop.example.com', [0]));
    expect(await kubectl('apply', '--validate=false', '-f', file)).toMatch(/ingress.networking.k8s.io\/shop created/);
    await eventually(async () => expect((await stack.request('shop.example.com', '/')).pod).toBe('shop-1'));

    await writeFile(file, shopManifests('store.example.com', [0]));
    expect(await kubectl('apply', '--validate=false', '-f', file)).toMatch(/ingress.networking.k8s.io\/shop configured/);
    await eventually(async () => expect((await stack.request('store.example.com', '/')).pod).toBe('shop-1'));
    expect((await stack.request('shop.example.com', '/')).status).toBe(404);

    expect(await kubectl('get', 'ing')).toMatch(/shop\s+portico\s+store\.example\.com/);
    await kubectl('delete', '-f', file);
    await eventually(async () => expect((await stack.request('store.example.com', '/')).status).toBe(404));
  });

  it('a scaled EndpointSlice changes where traffic goes', async () => {
    await stack.write('shop.yaml', shopManifests('scale.example.com', [0]));
    const seen = async () => new Set(await Promise.all([0, 1, 2, 3].map(async () => (await stack.request('scale.example.com', '/')).pod)));
    expect(await seen()).toEqual(new Set(['shop-1']));
    await stack.write('shop.yaml', shopManifests('scale.example.com', [0, 1]));
    expect(await seen()).toEqual(new Set(['shop-1', 'shop-2']));
    await stack.write('shop.yaml', shopManifests('scale.example.com', [1]));
    expect(await seen()).toEqual(new Set(['shop-2']));
  });

  it('status.loadBalancer carries the published address, seen with kubectl; an Ingress of another class gets neither route nor status', async () => {
    await stack.write('shop.yaml', shopManifests('status.example.com', [0]));
    await stack.write('other.yaml', ingress('other', [{ host: 'other.example.com', paths: [{ path: '/', service: 'shop' }] }]).replace('ingressClassName: portico', 'ingressClassName: nginx'));
    await eventually(async () => {
      const shop = JSON.parse(await kubectl('get', 'ingress', 'shop', '-o', 'json'));
      expect(shop.status?.loadBalancer?.ingress).toEqual([{ ip: PUBLISHED }]);
    }, 10_000);
    const other = JSON.parse(await kubectl('get', 'ingress', 'other', '-o', 'json'));
    expect(other.status?.loadBalancer?.ingress).toBeUndefined();
    expect((await stack.request('other.example.com', '/')).status).toBe(404);
  });
});

describe('when the API server misbehaves', () => {
  const host = 'resilient.example.com';
  const reachable = async () => (await stack.request(host, '/')).pod;

  beforeAll(async () => {
    await stack.write('shop.yaml', shopManifests(host, [0]));
  });

  it('dropped watches and expired resourceVersions: it resumes or relists, and converges', async () => {
    cluster.dropWatches();
    await stack.write('shop.yaml', shopManifests(host, [1]));
    expect(await reachable()).toBe('shop-2');
    cluster.expireResourceVersions();
    cluster.dropWatches();
    await stack.write('shop.yaml', shopManifests(host, [0]));
    expect(await reachable()).toBe('shop-1');
  });

  it('500s for a while, then a restart: the proxy keeps serving its last good table, and the API converges by itself', async () => {
    cluster.failRequests(500, 2000);
    // A change made during the outage, straight into the cluster's store: it must arrive once the server answers.
    const slice = cluster.get('discovery.k8s.io/v1', 'EndpointSlice', 'default', 'shop-shop-1')!;
    cluster.remove('discovery.k8s.io/v1', 'EndpointSlice', 'default', 'shop-shop-1');
    cluster.upsert({ ...slice, metadata: { name: 'shop-shop-2', namespace: 'default', labels: slice.metadata.labels }, ports: [{ name: 'http', port: pods[1].port }] } as typeof slice);
    for (let i = 0; i < 5; i++) expect(await reachable()).toBe('shop-1');
    const readyz = await fetch(`${stack.api.url}/readyz`);
    expect(readyz.status).toBe(200);
    await eventually(async () => expect(await reachable()).toBe('shop-2'), 15_000, 200);

    await cluster.restart();
    await stack.write('shop.yaml', shopManifests(host, [0]));
    await eventually(async () => expect(await reachable()).toBe('shop-1'), 15_000, 200);
  });
});

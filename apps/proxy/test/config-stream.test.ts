import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { request, requestJson } from './support/client.js';
import { FakeApi } from './support/fake-api.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

const TOKEN = 'proxy-secret';
let stateDir: string;
let api: FakeApi | undefined;
let proxy: ProxyHandle | undefined;
let upstreams: TestUpstream[] = [];

async function startSubscribedProxy(apiUrl: string): Promise<ProxyHandle> {
  proxy = await startTestProxy({
    apiUrl,
    proxyToken: TOKEN,
    proxyId: 'proxy-under-test',
    stateDir,
    reconnect: { minBackoffMs: 20, maxBackoffMs: 100 },
  });
  return proxy;
}

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'portico-proxy-test-'));
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await api?.close();
  api = undefined;
  await Promise.all(upstreams.map((u) => u.close()));
  upstreams = [];
  await rm(stateDir, { recursive: true, force: true });
});

describe('config stream', () => {
  it('subscribes with the bearer token, applies a table, acks it and saves it', async () => {
    api = await new FakeApi(TOKEN).start();
    const u = await startUpstream('one');
    upstreams.push(u);
    const p = await startSubscribedProxy(api.url);
    await waitFor(() => api!.openStreams === 1, 5_000, 'the proxy to subscribe');
    expect(api.subscriptions[0].get('proxyId')).toBe('proxy-under-test');
    expect((await request(p.httpPort, '/')).status).toBe(503);

    api.push({ type: 'ping', generation: 0 });
    api.push({ type: 'config', table: catchAll(7, 'c', [endpoint(u.port)]) });
    await waitFor(() => api!.acks.length === 1, 5_000, 'an ack');
    expect(api.acks[0]).toMatchObject({ proxyId: 'proxy-under-test', generation: 7, ok: true });
    expect(api.acks[0].applyMs).toBeGreaterThanOrEqual(0);
    expect(p.currentGeneration()).toBe(7);
    expect((await requestJson(p.httpPort, '/')).json.name).toBe('one');

    await waitFor(async () => {
      try {
        return JSON.parse(await readFile(path.join(stateDir, 'last-good.json'), 'utf8')).generation === 7;
      } catch {
        return false;
      }
    }, 5_000, 'last-good.json');
  });

  it('rejects an invalid table with ok:false and keeps serving the previous one', async () => {
    api = await new FakeApi(TOKEN).start();
    const u = await startUpstream('good');
    upstreams.push(u);
    const p = await startSubscribedProxy(api.url);
    await waitFor(() => api!.openStreams === 1, 5_000, 'the proxy to subscribe');
    api.push({ type: 'config', table: catchAll(1, 'c', [endpoint(u.port)]) });
    await waitFor(() => api!.acks.length === 1, 5_000, 'first ack');

    // Schema-invalid: an endpoint port out of range.
    api.push({ type: 'config', table: catchAll(2, 'c', [endpoint(70_000)]) });
    // Schema-valid but unusable: a rewrite regex that does not compile.
    const badRegex = catchAll(3, 'c', [endpoint(u.port)]);
    badRegex.virtualHosts[0].routes[0].rewrite = { from: '(unclosed', to: '/' };
    api.push({ type: 'config', table: badRegex });
    api.pushLine('this is not json');
    await waitFor(() => api!.acks.length === 3, 5_000, 'two rejection acks');

    expect(api.acks[1]).toMatchObject({ generation: 2, ok: false });
    expect(api.acks[1].error).toMatch(/port/);
    expect(api.acks[2]).toMatchObject({ generation: 3, ok: false });
    expect(api.acks[2].error).toMatch(/rewrite/);
    expect(p.currentGeneration()).toBe(1);
    expect((await requestJson(p.httpPort, '/')).json.name).toBe('good');
    // The table is saved off the ack path, so wait for the write rather than race it.
    const savedGeneration = async () => JSON.parse(await readFile(path.join(stateDir, 'last-good.json'), 'utf8').catch(() => '{}')).generation;
    await waitFor(async () => (await savedGeneration()) === 1, 5_000, 'last-good.json to hold generation 1');
    expect(await savedGeneration()).toBe(1);
  });

  it('serves last-good.json at restart while the API is down, then reconnects when it comes back', async () => {
    const u = await startUpstream('remembered');
    upstreams.push(u);
    await writeFile(path.join(stateDir, 'last-good.json'), JSON.stringify(catchAll(41, 'c', [endpoint(u.port)])));

    // Reserve a port for the API, then free it so the proxy's first attempts are refused.
    const probe = await new FakeApi(TOKEN).start();
    const apiPort = probe.port;
    await probe.close();

    const p = await startSubscribedProxy(`http://127.0.0.1:${apiPort}`);
    expect(p.currentGeneration()).toBe(41);
    expect((await requestJson(p.httpPort, '/')).json.name).toBe('remembered');
    const ready = await requestJson(p.adminPort, '/readyz');
    expect(ready).toMatchObject({ status: 200, json: { generation: 41 } });

    api = await new FakeApi(TOKEN).start(apiPort);
    await waitFor(() => api!.openStreams === 1, 5_000, 'the proxy to reconnect');
    expect(api.subscriptions[0].get('generation')).toBe('41');
    api.push({ type: 'config', table: catchAll(42, 'c', [endpoint(u.port)]) });
    await waitFor(() => p.currentGeneration() === 42, 5_000, 'generation 42');
  });

  it('keeps serving the last table when the stream breaks, and resubscribes', async () => {
    api = await new FakeApi(TOKEN).start();
    const u = await startUpstream('steady');
    upstreams.push(u);
    const p = await startSubscribedProxy(api.url);
    await waitFor(() => api!.openStreams === 1, 5_000, 'subscribe');
    api.push({ type: 'config', table: catchAll(5, 'c', [endpoint(u.port)]) });
    await waitFor(() => p.currentGeneration() === 5, 5_000, 'generation 5');

    const port = api.port;
    await api.close();
    expect((await requestJson(p.httpPort, '/')).json.name).toBe('steady');
    api = await new FakeApi(TOKEN).start(port);
    await waitFor(() => api!.openStreams === 1, 5_000, 'resubscribe');
    expect(api.subscriptions[0].get('generation')).toBe('5');
  });

  it('does not apply anything from an API that refuses its token', async () => {
    api = await new FakeApi('another-token').start();
    const p = await startSubscribedProxy(api.url);
    await new Promise((r) => setTimeout(r, 200));
    expect(api.openStreams).toBe(0);
    expect(p.currentGeneration()).toBeNull();
  });
});

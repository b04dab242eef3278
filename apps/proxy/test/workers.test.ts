import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, requestJson } from './support/client.js';
import { FakeApi } from './support/fake-api.js';
import { isRunning, ProxyProcess } from './support/proxy-process.js';
import { cluster, endpoint, route, table, vhost } from './support/tables.js';
import { httpOverSocket, tlsConnect } from './support/tls-client.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

// `--workers 2` end to end: the built proxy (dist/main.js) as a primary and two worker processes, against a fake API.
const TOKEN = 'proxy-secret';
let stateDir: string;
let api: FakeApi;
let upstream: TestUpstream;
let proxy: ProxyProcess | undefined;

/** Generation `g` routes /v<g> (and every earlier /v<n> that `paths` lists) to the upstream. */
function generation(g: number, paths: number[] = [g]) {
  return table(g, [vhost('*', paths.map((n) => route(`r-v${n}`, `/v${n}`, 'Prefix', 'up')))], [cluster('up', [endpoint(upstream.port)])]);
}

async function startWorkers(): Promise<ProxyProcess> {
  proxy = await ProxyProcess.start(['--workers', '2', '--api-url', api.url, '--proxy-id', 'pod-1', '--state-dir', stateDir], { PORTICO_PROXY_TOKEN: TOKEN });
  await waitFor(() => api.openStreams === 1, 10_000, 'the proxy to subscribe');
  return proxy;
}

/** A proxy that has acknowledged `first`. */
async function startServing(first: ReturnType<typeof generation>): Promise<ProxyProcess> {
  const p = await startWorkers();
  api.push({ type: 'config', table: first });
  await waitFor(() => api.acks.length === 1, 10_000, 'the first ack');
  expect(api.acks[0]).toMatchObject({ generation: first.generation, ok: true });
  return p;
}

/** Sends requests on fresh connections until each of `pids` has served at least one (bounded); returns the statuses. */
async function untilServedBy(p: ProxyProcess, pids: number[], urlPath: string): Promise<number[]> {
  const statuses: number[] = [];
  const servedBy = () => new Set(p.lines.filter((l) => l.log === 'access' && l.path === urlPath).map((l) => l.pid));
  await waitFor(async () => {
    statuses.push(...(await Promise.all(Array.from({ length: 4 }, async () => (await request(p.httpPort, urlPath)).status))));
    return pids.every((pid) => servedBy().has(pid));
  }, 10_000, `requests to ${urlPath} served by workers ${pids.join(', ')}`);
  return statuses;
}

async function metricsText(p: ProxyProcess): Promise<string> {
  const res = await request(p.adminPort, '/metrics');
  expect(res.status).toBe(200);
  return res.body;
}

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'portico-workers-test-'));
  api = await new FakeApi(TOKEN).start();
  upstream = await startUpstream('up');
});

afterEach(async () => {
  await proxy?.kill();
  proxy = undefined;
  await api.close();
  await upstream.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('--workers 2', () => {
  it('runs one subscription for two worker processes that both serve; /readyz, /metrics and the traffic report cover both', async () => {
    const p = await startWorkers();
    expect(api.subscriptions).toHaveLength(1);
    expect(api.subscriptions[0]!.get('proxyId')).toBe('pod-1');
    const pids = p.liveWorkerPids();
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(p.child.pid);
    expect((await requestJson(p.adminPort, '/readyz')).status).toBe(503);

    api.push({ type: 'config', table: generation(3) });
    await waitFor(() => api.acks.length === 1, 10_000, 'the ack');
    expect(api.acks[0]).toMatchObject({ proxyId: 'pod-1', generation: 3, ok: true });

    const ready = await requestJson(p.adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.generation).toBe(3);
    expect(ready.json.workers.map((w: { pid: number; generation: number }) => [w.pid, w.generation]).sort()).toEqual(pids.map((pid) => [pid, 3]).sort());

    const statuses = await untilServedBy(p, pids, '/v3');
    expect(new Set(statuses)).toEqual(new Set([200]));

    // The TLS port too: both workers terminate, with the one fallback certificate the primary made.
    const fingerprints = new Set<string>();
    let tlsRequests = 0;
    const tlsServedBy = () => new Set(p.lines.filter((l) => l.log === 'access' && l.path === '/v3/tls').map((l) => l.pid));
    await waitFor(async () => {
      const socket = await tlsConnect(p.httpsPort, undefined, '');
      try {
        fingerprints.add(socket.getPeerCertificate().fingerprint256);
        expect(await httpOverSocket(socket, 'tls.example', '/v3/tls')).toMatchObject({ status: 200 });
        tlsRequests += 1;
      } finally {
        socket.destroy();
      }
      return pids.every((pid) => tlsServedBy().has(pid));
    }, 10_000, 'TLS requests served by both workers');
    expect(fingerprints.size).toBe(1);
    const served = statuses.length + tlsRequests;

    // Counters are the sum over the workers; the generation gauge is the lowest any worker serves.
    await waitFor(async () => (await metricsText(p)).includes(`portico_requests_total{host="*",route="r-v3",status="200"} ${served}`), 5_000, 'the summed request counter');
    const text = await metricsText(p);
    expect(text).toContain('portico_config_generation 3');
    expect(text).toContain('portico_workers 2');
    expect(text).toContain('portico_worker_restarts_total 0');
    expect(text).toMatch(/portico_config_apply_seconds_count 2\n/);

    // One report for the pod (posted every 5 s), with the requests of both workers.
    const reported = () =>
      (api.trafficReports.at(-1)?.slots ?? []).flatMap((s: any) => s.series).filter((s: any) => s.route === 'r-v3').reduce((n: number, s: any) => n + s.requests, 0);
    await waitFor(() => reported() === served, 12_000, 'a traffic report with every request');
    expect(new Set(api.trafficReports.map((r) => r.proxyId))).toEqual(new Set(['pod-1']));
  }, 40_000);

  it('acknowledges a generation only once every worker has applied it', async () => {
    const p = await startServing(generation(3));
    const [running, stopped] = p.liveWorkerPids() as [number, number];

    // A worker that cannot apply (stopped) holds the acknowledgement back, while the other one already serves.
    process.kill(stopped, 'SIGSTOP');
    try {
      api.push({ type: 'config', table: generation(4, [3, 4]) });
      await p.waitForLine((l) => l.pid === running && l.msg === 'routing table applied' && l.generation === 4, 5_000, 'the running worker to apply 4');
      await new Promise((r) => setTimeout(r, 500));
      expect(api.acks).toHaveLength(1);
      // Nor is the pod ready while its workers serve different tables.
      expect((await requestJson(p.adminPort, '/readyz')).status).toBe(503);
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
    await waitFor(() => api.acks.length === 2, 10_000, 'the ack of generation 4');
    expect(api.acks[1]).toMatchObject({ generation: 4, ok: true });
    // By the time the API hears of it, each worker serves generation 4.
    const statuses = await untilServedBy(p, [running, stopped], '/v4');
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect((await requestJson(p.adminPort, '/readyz')).json.workers.map((w: { generation: number }) => w.generation)).toEqual([4, 4]);
  }, 40_000);

  it('reports a table a worker rejects as rejected, with its reason, and keeps serving the last one', async () => {
    const p = await startServing(generation(3));
    const bad = generation(4, [3, 4]);
    bad.virtualHosts[0]!.routes[1]!.rewrite = { from: '(unclosed', to: '/' };
    api.push({ type: 'config', table: bad });
    await waitFor(() => api.acks.length === 2, 10_000, 'the rejection');
    expect(api.acks[1]).toMatchObject({ generation: 4, ok: false });
    expect(api.acks[1]!.error).toMatch(/^worker \d+: route r-v4: invalid rewrite regex/);
    const ready = await requestJson(p.adminPort, '/readyz');
    expect(ready).toMatchObject({ status: 200, json: { generation: 3 } });
    // Reconnecting, the proxy names the generation every worker serves.
    const port = api.port;
    await api.close();
    api = await new FakeApi(TOKEN).start(port);
    await waitFor(() => api.openStreams === 1, 10_000, 'the proxy to resubscribe');
    expect(api.subscriptions[0]!.get('generation')).toBe('3');
  }, 40_000);

  it('replaces a worker that dies, and the new one serves the current table before it accepts a connection', async () => {
    const p = await startServing(generation(3));
    const [survivor, victim] = p.liveWorkerPids() as [number, number];

    process.kill(victim, 'SIGKILL');
    await p.waitForLine((l) => l.msg === 'worker exited; starting a new one' && l.pid === victim, 5_000, 'the primary to see the worker exit');
    // Requests keep coming while the new worker starts: each is answered by the current table, whichever worker
    // accepts it (a worker that accepted before it had the table would answer 404).
    const during: number[] = [];
    let looping = true;
    const loops = Array.from({ length: 4 }, async () => {
      while (looping) during.push((await request(p.httpPort, '/v3')).status);
    });
    let fresh: number;
    try {
      const started = await p.waitForLine((l) => l.msg === 'worker started' && l.pid !== victim && l.pid !== survivor, 10_000, 'a new worker');
      fresh = started.pid as number;
      expect(started.generation).toBe(3);
      await untilServedBy(p, [fresh], '/v3');
    } finally {
      looping = false;
      await Promise.all(loops);
    }
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during)).toEqual(new Set([200]));

    // Its own log: the table applied, then the ports opened.
    await p.waitForLine((l) => l.pid === fresh && l.msg === 'proxy listening', 5_000, 'the new worker\'s own log');
    const own = p.linesOf(fresh).map((l) => l.msg);
    expect(own.indexOf('routing table applied')).toBeGreaterThan(-1);
    expect(own.indexOf('routing table applied')).toBeLessThan(own.indexOf('proxy listening'));

    const statuses = await untilServedBy(p, [survivor, fresh], '/v3');
    expect(new Set(statuses)).toEqual(new Set([200]));
    const ready = await requestJson(p.adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.workers.map((w: { pid: number }) => w.pid).sort()).toEqual([survivor, fresh].sort());
    expect(await metricsText(p)).toContain('portico_worker_restarts_total 1');

    // The next table reaches the new worker too, and is acknowledged once it has it.
    api.push({ type: 'config', table: generation(4, [3, 4]) });
    await waitFor(() => api.acks.length === 2, 10_000, 'the ack of generation 4');
    expect((await requestJson(p.adminPort, '/readyz')).json.workers.map((w: { generation: number }) => w.generation)).toEqual([4, 4]);
    await p.waitForLine((l) => l.pid === fresh && l.msg === 'routing table applied' && l.generation === 4, 5_000, 'the new worker to log generation 4');
  }, 40_000);

  it('drains every worker on SIGTERM, exits 0 and frees its ports', async () => {
    const slow = await startUpstream('slow', (req, res) => {
      if (req.url !== '/v5/slow') return false;
      setTimeout(() => res.end('done'), 600);
      return true;
    });
    try {
      const p = await startServing(table(5, [vhost('*', [route('r-v5', '/v5', 'Prefix', 'slow')])], [cluster('slow', [endpoint(slow.port)])]));
      const pids = p.liveWorkerPids();

      const inFlight = request(p.httpPort, '/v5/slow');
      await waitFor(() => slow.requests.length === 1, 5_000, 'the request to reach the upstream');
      p.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res).toMatchObject({ status: 200, body: 'done' });
      expect(await p.exited).toEqual({ code: 0, signal: null });
      expect(pids.filter(isRunning)).toEqual([]);
      expect(p.lines.filter((l) => l.msg === 'worker stopped').map((l) => l.pid).sort()).toEqual([...pids].sort());
      for (const port of [p.httpPort, p.httpsPort, p.adminPort]) await expect(listenOnce(port)).resolves.toBe(port);
    } finally {
      await slow.close();
    }
  }, 40_000);
});

describe('--workers', () => {
  it('fails start-up (exit 1) when the workers cannot listen, as one process does', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const p = ProxyProcess.start(['--workers', '2', '--state-dir', stateDir, '--http-port', String(port)]);
      await expect(p).rejects.toThrow(/exited \(1\)[\s\S]*portico-proxy failed to start: Error: a worker process exited before it listened/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a count outside 1..64', async () => {
    for (const workers of ['0', '65', 'two']) {
      const p = ProxyProcess.start(['--workers', workers]);
      await expect(p).rejects.toThrow(/--workers must be an integer in \[1, 64\]/);
    }
  });
});

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

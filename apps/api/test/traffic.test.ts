import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/index.js';
import type { ApiHandle } from '../src/config/api-options.js';
import { TrafficStore } from '../src/traffic/traffic-store.js';
import { fakeCompile } from './fakes.js';
import { json, makeTempDir, silentLogger } from './helpers.js';

const ADMIN = 'admin';
const VIEWER = 'viewer';
const PROXY = 'proxy';
const BUCKETS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** A latency array with `count` requests in the bucket whose upper bound is `boundMs`. */
const latency = (entries: Array<[number, number]>) => {
  const counts = new Array(BUCKETS.length + 1).fill(0);
  for (const [boundMs, count] of entries) counts[BUCKETS.indexOf(boundMs)] += count;
  return counts;
};
const slotStart = (offsetSlots = 0) => Math.floor(Date.now() / 10_000) * 10_000 - offsetSlots * 10_000;

describe('traffic summary: POST /api/v1/proxy-traffic and GET /api/v1/traffic', () => {
  let api: ApiHandle;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temp = await makeTempDir();
    remove = temp.remove;
    api = await startApi({ manifests: temp.dir, port: 0, bind: '127.0.0.1', adminToken: ADMIN, viewerToken: VIEWER, proxyToken: PROXY, webDir: null, logger: silentLogger(), compile: fakeCompile });
  });
  afterAll(async () => {
    await api?.close();
    await remove?.();
  });

  const post = (body: unknown, token = PROXY) =>
    fetch(`${api.url}/api/v1/proxy-traffic`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const summary = async (query = '', token = VIEWER) => {
    const response = await fetch(`${api.url}/api/v1/traffic${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await json(response) };
  };
  const report = (proxyId: string, slots: Array<{ start: number; series: any[] }>) => ({ proxyId, slotMs: 10_000, bucketsMs: BUCKETS, slots });

  it('merges the reports of several proxies per route and per host', async () => {
    // Slots fixed once: computed per post, a 10 s boundary crossed between two posts would name different slots.
    const current = slotStart(0);
    const previous = current - 10_000;
    const a = await post(
      report('proxy-a', [
        { start: previous, series: [{ host: 'shop.example', route: 'r1', requests: 80, errors: 0, latency: latency([[5, 80]]) }] },
        { start: current, series: [{ host: 'shop.example', route: 'r2', requests: 10, errors: 5, latency: latency([[100, 10]]) }] },
      ]),
    );
    expect(a.status).toBe(202);
    // A slot reported again replaces the earlier counts (reports are cumulative per slot).
    await post(report('proxy-a', [{ start: previous, series: [{ host: 'shop.example', route: 'r1', requests: 90, errors: 0, latency: latency([[5, 90]]) }] }]));
    expect((await post(report('proxy-b', [{ start: current, series: [{ host: 'shop.example', route: 'r1', requests: 10, errors: 1, latency: latency([[1000, 10]]) }] }]))).status).toBe(202);

    const { status, body } = await summary('?window=60');
    expect(status).toBe(200);
    expect(body.windowSeconds).toBe(60);
    expect(body.proxies.map((p: any) => p.id)).toEqual(['proxy-a', 'proxy-b']);
    const r1 = body.routes.find((r: any) => r.route === 'r1');
    expect(r1).toMatchObject({ host: 'shop.example', requests: 100, errors: 1, errorRate: 0.01, requestsPerSecond: 1.667 });
    expect(r1.latencyMs.p50).toBeGreaterThan(2.5);
    expect(r1.latencyMs.p50).toBeLessThanOrEqual(5);
    expect(r1.latencyMs.p99).toBeGreaterThan(500);
    expect(r1.latencyMs.p99).toBeLessThanOrEqual(1000);
    const r2 = body.routes.find((r: any) => r.route === 'r2');
    expect(r2).toMatchObject({ requests: 10, errors: 5, errorRate: 0.5 });
    expect(body.hosts).toEqual([expect.objectContaining({ host: 'shop.example', requests: 110, errors: 6 })]);
  });

  it('leaves slots outside the window out', async () => {
    await post(report('proxy-c', [{ start: slotStart(30), series: [{ host: 'old.example', route: 'r', requests: 5, errors: 0, latency: latency([[1, 5]]) }] }]));
    expect((await summary('?window=60')).body.hosts.some((h: any) => h.host === 'old.example')).toBe(false);
    expect((await summary('?window=600')).body.hosts.some((h: any) => h.host === 'old.example')).toBe(true);
  });

  it('refuses invalid reports and windows, and the wrong tokens', async () => {
    const bad = await post({ ...report('p', [{ start: slotStart(), series: [{ host: 'h', route: 'r', requests: -1, errors: 0, latency: latency([]) }] }]) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toMatch(/^slots\.0\.series\.0\.requests/);
    expect((await post(report('p', [{ start: slotStart(), series: [{ host: 'h', route: 'r', requests: 1, errors: 0, latency: [1] }] }]))).status).toBe(400);
    expect((await post(report('p', []), ADMIN)).status).toBe(401);
    expect((await summary('?window=5')).status).toBe(400);
    expect((await summary('?window=abc')).status).toBe(400);
    expect((await summary('', PROXY)).status).toBe(401);
    expect((await summary('', ADMIN)).status).toBe(200);
  });
});

describe('TrafficStore', () => {
  it('answers null percentiles without requests and forgets proxies after the longest window', () => {
    let now = 1_000_000_000_000;
    const store = new TrafficStore(() => now);
    store.record({ proxyId: 'p', slotMs: 10_000, bucketsMs: BUCKETS, slots: [{ start: now - (now % 10_000), series: [{ host: 'h', route: 'r', requests: 0, errors: 0, latency: latency([]) }] }] });
    expect(store.summary(60).routes[0]).toMatchObject({ requests: 0, errorRate: 0, latencyMs: { p50: null, p95: null, p99: null } });
    now += 20 * 60_000;
    expect(store.summary(60).proxies).toEqual([]);
  });
});

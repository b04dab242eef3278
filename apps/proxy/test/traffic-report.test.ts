import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { TrafficStats, TRAFFIC_LATENCY_BUCKETS_MS } from '../src/observability/traffic-stats.js';
import { request } from './support/client.js';
import { FakeApi } from './support/fake-api.js';
import { startTestProxy } from './support/test-proxy.js';
import { cluster, endpoint, route, table, vhost } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';
import { waitFor } from './support/wait.js';

const TOKEN = 'proxy-secret';
let api: FakeApi | undefined;
let proxy: ProxyHandle | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await proxy?.close();
  await api?.close();
  await upstream?.close();
  proxy = api = upstream = undefined;
});

describe('traffic reports', () => {
  it('posts per-(host, route) counts, 5xx errors and latency buckets to the API', async () => {
    api = await new FakeApi(TOKEN).start();
    upstream = await startUpstream('one');
    proxy = await startTestProxy({ apiUrl: api.url, proxyToken: TOKEN, proxyId: 'traffic-proxy', trafficReportIntervalMs: 50, reconnect: { minBackoffMs: 20, maxBackoffMs: 100 } });
    await waitFor(() => api!.openStreams === 1, 5_000, 'the proxy to subscribe');
    api.push({
      type: 'config',
      table: table(
        3,
        [vhost('shop.example', [route('r-ok', '/ok', 'Prefix', 'up'), route('r-down', '/down', 'Prefix', 'down')])],
        [cluster('up', [endpoint(upstream.port)]), cluster('down', [])],
      ),
    });
    await waitFor(() => api!.acks.length === 1, 5_000, 'the ack');
    for (let i = 0; i < 3; i++) expect((await request(proxy.httpPort, '/ok', { headers: { host: 'shop.example' } })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await request(proxy.httpPort, '/down', { headers: { host: 'shop.example' } })).status).toBe(503);

    const totals = () => {
      const last = api!.trafficReports.at(-1);
      const sum = new Map<string, { requests: number; errors: number; latency: number }>();
      for (const slot of last?.slots ?? []) {
        for (const s of slot.series) {
          const entry = sum.get(s.route) ?? { requests: 0, errors: 0, latency: 0 };
          entry.requests += s.requests;
          entry.errors += s.errors;
          entry.latency += s.latency.reduce((a: number, b: number) => a + b, 0);
          sum.set(s.route, entry);
        }
      }
      return sum;
    };
    await waitFor(() => totals().get('r-ok')?.requests === 3 && totals().get('r-down')?.requests === 2, 5_000, 'a report with all five requests');
    const report = api.trafficReports.at(-1);
    expect(report).toMatchObject({ proxyId: 'traffic-proxy', slotMs: 10_000, bucketsMs: [...TRAFFIC_LATENCY_BUCKETS_MS] });
    expect(totals().get('r-ok')).toEqual({ requests: 3, errors: 0, latency: 3 });
    expect(totals().get('r-down')).toEqual({ requests: 2, errors: 2, latency: 2 });
    expect(report.slots[0].series[0].host).toBe('shop.example');
  });
});

describe('TrafficStats', () => {
  it('counts per 10-s slot, buckets latency, and keeps only the last six slots', () => {
    let now = 1_000_000_000_000;
    const stats = new TrafficStats(() => now);
    stats.record('h', 'r', 200, 0.5);
    stats.record('h', 'r', 502, 30);
    stats.record('h', 'r', 200, 60_000);
    const first = stats.snapshot('p');
    expect(first.slots).toHaveLength(1);
    const series = first.slots[0]!.series[0]!;
    expect(series).toMatchObject({ host: 'h', route: 'r', requests: 3, errors: 1 });
    expect(series.latency[0]).toBe(1);
    expect(series.latency[TRAFFIC_LATENCY_BUCKETS_MS.indexOf(50)]).toBe(1);
    expect(series.latency.at(-1)).toBe(1);
    for (let i = 0; i < 10; i++) {
      now += 10_000;
      stats.record('h', 'r', 200, 1);
    }
    expect(stats.snapshot('p').slots.length).toBeLessThanOrEqual(6);
  });
});

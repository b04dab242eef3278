import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHandle } from '../src/index.js';
import { request, requestJson } from './support/client.js';
import { startTestProxy } from './support/test-proxy.js';
import { catchAll, endpoint } from './support/tables.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

let proxy: ProxyHandle | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

describe('admin server', () => {
  it('reports readiness only once a table is served, and health always', async () => {
    proxy = await startTestProxy();
    expect(await requestJson(proxy.adminPort, '/readyz')).toMatchObject({ status: 503, json: { generation: null } });
    expect((await request(proxy.adminPort, '/healthz')).status).toBe(200);
    upstream = await startUpstream('u');
    expect(proxy.applyTable(catchAll(3, 'c', [endpoint(upstream.port)])).ok).toBe(true);
    expect(await requestJson(proxy.adminPort, '/readyz')).toMatchObject({ status: 200, json: { generation: 3 } });
  });

  it('exposes request, upstream-error and config metrics in Prometheus text', async () => {
    upstream = await startUpstream('u');
    proxy = await startTestProxy({
      initialTable: catchAll(9, 'web', [endpoint(upstream.port)]),
    });
    await request(proxy.httpPort, '/');
    await request(proxy.httpPort, '/again');
    proxy.applyTable(catchAll(10, 'web', [endpoint(upstream.port, false)]));
    await request(proxy.httpPort, '/');

    const metrics = await request(proxy.adminPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('portico_requests_total{host="*",route="r-web",status="200"} 2');
    expect(metrics.body).toContain('portico_requests_total{host="*",route="r-web",status="503"} 1');
    expect(metrics.body).toContain('portico_upstream_errors_total{cluster="web",reason="no_endpoints"} 1');
    expect(metrics.body).toContain('portico_config_generation 10');
    expect(metrics.body).toMatch(/portico_config_apply_seconds_count 2/);
    expect(metrics.body).toMatch(/portico_request_duration_seconds_count\{host="\*",route="r-web"\} 3/);
  });
});

describe('access log', () => {
  it('writes one JSON line per request with route, cluster, upstream and status', async () => {
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const lines: any[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    upstream = await startUpstream('u');
    proxy = await startTestProxy({
      logger: pino({ level: 'info' }, sink),
      initialTable: catchAll(1, 'web', [endpoint(upstream.port)]),
    });
    await request(proxy.httpPort, '/hello?x=1', { headers: { host: 'Shop.example.com' } });
    const access = lines.filter((l) => l.msg === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      method: 'GET',
      host: 'Shop.example.com',
      path: '/hello',
      status: 200,
      routeId: 'r-web',
      clusterId: 'web',
      upstream: `127.0.0.1:${upstream.port}`,
      clientIp: '127.0.0.1',
    });
    expect(access[0].bytes).toBeGreaterThan(0);
    expect(access[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(typeof access[0].time).toBe('number');
  });
});

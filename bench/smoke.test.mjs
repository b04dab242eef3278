// The bench's pure parts (parsing wrk and /proc, percentiles, the report), checked without running a load:
//   npx node --test bench/smoke.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { area } from './lib/profile.mjs';
import { summarise, table } from './lib/report.mjs';
import { cpuUsPer, median, medianInterval, pairedRatios, parseCpuTicks, parseDurationMs, parseRssKb, parseWrk, percentile } from './lib/stats.mjs';

const WRK = `Running 2s test @ http://127.0.0.1:8000/small
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  300.00us   9.10ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.40ms
     99%    2.50ms
  120000 requests in 2.00s, 30.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:  60000.00
Transfer/sec:     15.00MB
`;

test('wrk output: requests, rate, percentiles in ms, errors', () => {
  assert.deepEqual(parseWrk(WRK), { requests: 120000, rps: 60000, p50: 0.85, p99: 2.5, errors: 7 });
  assert.equal(parseDurationMs('2.5s'), 2500);
  assert.throws(() => parseWrk('garbage'));
});

test('/proc/<pid>/stat: utime + stime, even with spaces and parentheses in the name', () => {
  const line = '1234 (node (main) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 2000';
  assert.equal(parseCpuTicks(line), 300);
  assert.equal(parseRssKb('Name:\tnode\nVmRSS:\t  123456 kB\n'), 123456);
  assert.equal(cpuUsPer(300, 100_000), 30); // 3 s of CPU over 100k requests
});

test('median: middle value, or the mean of the two middle ones', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('paired ratios: one per round with both proxies, and a bootstrap interval around their median', () => {
  const cells = [
    { scenario: 's', proxy: 'a', round: 0, rps: 100 },
    { scenario: 's', proxy: 'b', round: 0, rps: 110 },
    { scenario: 's', proxy: 'a', round: 1, rps: 200 },
    { scenario: 's', proxy: 'b', round: 1, rps: 180 },
    { scenario: 's', proxy: 'a', round: 2, rps: 50 },
    { scenario: 'other', proxy: 'b', round: 2, rps: 1 },
  ];
  assert.deepEqual(pairedRatios(cells, 's', 'b', 'a', 'rps'), [1.1, 0.9]);
  const [low, high] = medianInterval([0.9, 1.1, 1.0, 0.95, 1.05]);
  assert.ok(low >= 0.9 && low <= 1.0 && high >= 1.0 && high <= 1.1, `${low}–${high}`);
  assert.deepEqual(medianInterval([1, 1, 1]), [1, 1]);
  assert.deepEqual(medianInterval([0.5, 2]), medianInterval([0.5, 2]), 'seeded: the same values give the same interval');
});

test('percentile: nearest rank', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 100), 100);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('report: medians over rounds and ratios to nginx of the same scenario', () => {
  const cell = (proxy, rps, cpuUs) => ({ scenario: 's', proxy, rps, p50: 1, p99: 2, cpuUs, rssMb: 10, errors: 0 });
  const rows = summarise([cell('nginx', 100, 10), cell('nginx', 120, 10), cell('portico', 66, 30), cell('portico', 60, 40)]);
  const portico = rows.find((r) => r.proxy === 'portico');
  assert.equal(portico.rps, 63); // the median of two rounds is their mean
  assert.equal(portico.rpsRatio, 63 / 110);
  assert.equal(portico.cpuRatio, 3.5);
  assert.match(table(rows), /\| s \| portico \| 63 \|/);
});

test('profile areas: our folders, npm packages, Node modules, natives', () => {
  assert.equal(area('apps/proxy/dist/routing/http-proxy.js', 'f'), 'apps/proxy/routing');
  assert.equal(area('pino/lib/tools.js', 'f'), 'pino');
  assert.equal(area('@scope/pkg/x.js', 'f'), '@scope/pkg');
  assert.equal(area('node:internal/streams/writable', 'f'), 'node:streams');
  assert.equal(area('', 'writev'), 'native (V8 / libuv / OpenSSL)');
  assert.equal(area('', '(garbage collector)'), '(garbage collector)');
});

test("the bench's proxy gets the image's NODE_OPTIONS (its young-generation cap), read from the Dockerfile", async () => {
  const { PROXY_NODE_ARGS } = await import('./lib/portico.mjs');
  assert.ok(PROXY_NODE_ARGS.some((arg) => /^--max-semi-space-size=\d+$/.test(arg)), String(PROXY_NODE_ARGS));
});

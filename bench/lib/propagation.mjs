// Change → traffic: the time from a change at the source (a manifest file written; an object upserted into the
// Kubernetes API emulator) to the first request the proxy answers on the new route, with and without a bounded
// load running; then what one change costs (compile, proxy apply) as the table grows.
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { benchObjects, ingress, startPortico, statusOf, writeManifests } from './portico.mjs';
import { run, stop } from './procs.mjs';
import { startUpstream } from './servers.mjs';
import { freePorts } from './setup.mjs';
import { percentile } from './stats.mjs';
import { measureChangeCost } from './change-cost.mjs';

const LOAD_CLIENT = join(import.meta.dirname, '..', 'load-client.mjs');
const LOAD_RATE = 1000; // req/s: a steady production-like load, far below saturation, so latency is the change's own
const PROBE_GAP_MS = 1;

export async function runPropagation({ dir, certs, changes, loadSeconds, proxyCpu, otherCpu }) {
  const [upstream, upstreamTls, ...p] = await freePorts(6);
  const up = { upstream, upstreamTls };
  const upstreamProc = startUpstream(dir, up, certs, otherCpu);
  const ports = { http: p[0], tls: p[1], admin: p[2], api: p[3] };
  const results = [];
  try {
    for (const source of ['manifests', 'kubernetes']) {
      const target = await startSource(source, dir, up, certs);
      const portico = await startPortico({ dir, name: `prop-${source}`, source: target.source, ports, certs, apiCpu: otherCpu, proxyCpu });
      try {
        for (const loaded of [false, true]) {
          const label = `${source}${loaded ? ' + load' : ''}`;
          const series = await timeChanges({ changes, loaded, ports, apply: target.apply, prefix: `${source}-${loaded ? 'l' : 'q'}`, otherCpu });
          results.push({ series: label, ...series });
          console.log(`  ${label.padEnd(22)} p50 ${series.p50.toFixed(1)} ms  p95 ${series.p95.toFixed(1)} ms  max ${series.max.toFixed(1)} ms  failed ${series.failed}/${series.requests}`);
        }
      } finally {
        await stop(portico.proxy);
        await stop(portico.api);
        await target.close();
      }
    }
  } finally {
    await stop(upstreamProc);
  }
  const cost = await measureChangeCost({ dir: join(dir, 'cost'), up, certs, proxyCpu });
  console.log(`\nChange → traffic over ${changes} changes (first 200 on the new route; load: ${LOAD_RATE} req/s on another route)\n`);
  console.log(propagationTable(results));
  console.log('\nCost of one change as the table grows\n');
  console.log(cost.text);
  return { series: results, cost: cost.rows };
}

/** The source under test, seeded with the bench's objects, and how to make one change in it. */
async function startSource(kind, dir, up, certs) {
  if (kind === 'manifests') {
    const manifests = join(dir, 'manifests');
    rmSync(manifests, { recursive: true, force: true });
    writeManifests(manifests, 'base.yaml', benchObjects(up, certs, 10));
    return {
      source: { manifests },
      apply: (obj) => writeFileSync(join(manifests, `${obj.metadata.name}.yaml`), JSON.stringify(obj)),
      close: async () => {},
    };
  }
  const { startKubeEmulator } = await import('@portico/testing');
  const emulator = await startKubeEmulator();
  for (const obj of benchObjects(up, certs, 10)) {
    if (obj.metadata.namespace === undefined && obj.kind !== 'IngressClass') obj.metadata.namespace = 'default';
    emulator.upsert(obj);
  }
  return { source: { kubeconfig: emulator.kubeconfigPath }, apply: (obj) => emulator.upsert(obj), close: () => emulator.close() };
}

async function timeChanges({ changes, loaded, ports, apply, prefix, otherCpu }) {
  let loadProc;
  const load = loaded
    ? run('load-client', process.execPath, [LOAD_CLIENT, ports.http, 'bench.local', '/small', LOAD_RATE, 600].map(String), { cpu: otherCpu, onStart: (p) => (loadProc = p) })
    : null;
  if (loaded) await new Promise((r) => setTimeout(r, 500)); // let the load reach its rate before the first change
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  let probeErrors = 0;
  try {
    for (let i = 0; i < changes; i++) {
      const host = `${prefix}-${i}.bench`;
      const started = performance.now();
      apply(ingress(`${prefix}-${i}`, host, 'bench'));
      for (;;) {
        const status = await statusOf(ports.http, host, '/small', agent).catch(() => (probeErrors++, 0));
        if (status === 200) break;
        if (performance.now() - started > 30_000) throw new Error(`${host} not served 30 s after the change`);
        await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
      }
      times.push(performance.now() - started);
    }
  } finally {
    agent.destroy();
    if (loadProc) loadProc.child.kill('SIGTERM');
  }
  const loadResult = load ? JSON.parse(await load) : { requests: 0, failed: 0 };
  times.sort((a, b) => a - b);
  return { changes, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1), requests: loadResult.requests, failed: loadResult.failed + probeErrors };
}

function propagationTable(rows) {
  return [
    '| source | changes | p50 ms | p95 ms | max ms | failed requests / requests under load |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.series} | ${r.changes} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.failed} / ${r.requests} |`),
  ].join('\n');
}

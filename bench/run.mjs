// `npm run bench` — Portico's proxy beside nginx and HAProxy, same upstream, same placement, alternating within
// one run; then the propagation benchmark. See bench/README.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCertificates } from './lib/certs.mjs';
import { measure } from './lib/measure.mjs';
import { benchObjects, fillerIngresses, startPortico, writeManifests } from './lib/portico.mjs';
import { start, stop, stopAll, stopAllOnExit, waitFor } from './lib/procs.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { runPropagation } from './lib/propagation.mjs';
import { fmt, summarise, table } from './lib/report.mjs';
import { contestantsFor, selectScenarios } from './lib/scenarios.mjs';
import { startHaproxy, startNginx, startUpstream } from './lib/servers.mjs';
import { ensureBuilt, ensureTools, freePorts } from './lib/setup.mjs';
import { expectStatus } from './lib/portico.mjs';

const USAGE = `Usage: npm run bench -- [options]
  --duration S        seconds per measured cell (default 3)
  --rounds N          times each proxy is measured per scenario, alternating (default 2)
  --only IDS          comma-separated scenario ids (default: all)
  --skip-throughput   only the propagation benchmark
  --skip-propagation  only the data-plane scenarios
  --changes N         changes per propagation series (default 100)
  --profile           also profile Portico's proxy (--cpu-prof) under one scenario and print the top self-time functions
  --profile-scenario  the scenario for --profile (default small-50)
  --json FILE         write every cell and summary row as JSON
  --baseline DIR      also run the proxy built in DIR (a copy of an earlier apps/proxy/dist, placed where it resolves
                      the same node_modules, e.g. node_modules/.cache/x) as portico-base: before/after in one run
  --build             rebuild the API and the proxy first (default: only when not built)
  --keep              keep the temporary directory (configs, logs, profiles)`;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-propagation': { type: 'boolean', default: false },
    changes: { type: 'string', default: '100' },
    profile: { type: 'boolean', default: false },
    'profile-scenario': { type: 'string', default: 'small-50' },
    json: { type: 'string' },
    baseline: { type: 'string' },
    build: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

// Proxies on core 0; load, upstream and the control plane on core 1 (the issue's placement).
const PROXY_CPU = 0;
const LOAD_CPU = 1;
const seconds = Number(flags.duration);
const FIRST_WARM_UP_S = 5;
const rounds = Number(flags.rounds);
const scenarios = flags['skip-throughput'] ? [] : selectScenarios(flags.only);

stopAllOnExit();
ensureTools();
ensureBuilt(flags.build);
const dir = mkdtempSync(join(os.tmpdir(), 'portico-bench-'));
const certs = makeCertificates(dir);
const report = { date: new Date().toISOString(), machine: machine(), seconds, rounds, cells: [], rows: [], propagation: null, profile: null };

try {
  if (scenarios.length || flags.profile) await throughput();
  if (!flags['skip-propagation']) report.propagation = await runPropagation({ dir: join(dir, 'propagation'), certs, changes: Number(flags.changes), loadSeconds: seconds, proxyCpu: PROXY_CPU, otherCpu: LOAD_CPU });
  if (flags.json) writeFileSync(flags.json, JSON.stringify(report, null, 2) + '\n');
} finally {
  await stopAll();
  if (flags.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

async function throughput() {
  const [upstream, upstreamTls, ...p] = await freePorts(24);
  const up = { upstream, upstreamTls };
  startUpstream(dir, up, certs, LOAD_CPU);
  const nginxPorts = { http: p[0], tls: p[1], passthrough: p[2] };
  const haproxyPorts = { http: p[3], tls: p[4], passthrough: p[5] };
  const porticoPorts = { http: p[6], tls: p[7], passthrough: p[7], admin: p[8], api: p[9] };
  const bigPorts = { http: p[10], tls: p[11], passthrough: p[11], admin: p[12], api: p[13] };
  const basePorts = { http: p[14], tls: p[15], passthrough: p[15], admin: p[16], api: p[17] };
  const referencePorts = { http: p[18] };
  const undiciPorts = { http: p[19] };
  const nginx = startNginx(dir, nginxPorts, up, certs, PROXY_CPU);
  const reference = start('node-http', process.execPath, [join(import.meta.dirname, 'reference-proxy.mjs'), referencePorts.http, up.upstream].map(String), { cpu: PROXY_CPU });
  const undiciReference = start('node-undici', process.execPath, [join(import.meta.dirname, 'reference-undici.mjs'), undiciPorts.http, up.upstream].map(String), { cpu: PROXY_CPU });
  const haproxy = startHaproxy(dir, haproxyPorts, up, certs, PROXY_CPU);
  const manifests = join(dir, 'manifests');
  writeManifests(manifests, 'bench.yaml', benchObjects(up, certs, 10));
  const contestants = [
    { name: 'nginx', pid: nginx.pid, ports: nginxPorts },
    { name: 'haproxy', pid: haproxy.pid, ports: haproxyPorts },
    { name: 'node-http', pid: reference.pid, ports: referencePorts },
    { name: 'node-undici', pid: undiciReference.pid, ports: undiciPorts },
  ];
  const wantBig = scenarios.some((s) => s.id === '10k-ingresses');
  const [portico, big, base] = await Promise.all([
    startPortico({ dir, name: 'portico', source: { manifests }, ports: porticoPorts, certs, apiCpu: LOAD_CPU, proxyCpu: PROXY_CPU }),
    wantBig ? startBig(bigPorts, up) : null,
    flags.baseline
      ? startPortico({ dir, name: 'portico-base', source: { manifests }, ports: basePorts, certs, apiCpu: LOAD_CPU, proxyCpu: PROXY_CPU, proxyMain: resolve(flags.baseline, 'main.js') })
      : null,
  ]);
  contestants.push({ name: 'portico', pid: portico.proxy.pid, ports: porticoPorts });
  if (big) contestants.push({ name: 'portico-10k', pid: big.proxy.pid, ports: bigPorts });
  if (base) contestants.push({ name: 'portico-base', pid: base.proxy.pid, ports: basePorts });
  await Promise.all(contestants.map((c) => waitFor(`${c.name} proxying`, () => expectStatus(c.ports.http, 'bench.local', '/small', 200))));

  const warmed = new Set();
  for (const scenario of scenarios) {
    const who = contestantsFor(scenario, contestants);
    console.log(`\n${scenario.id}: ${scenario.what}`);
    // Warm-up, not recorded (pools, TLS caches; for Node, the JIT): a proxy's first load gets longer, since V8 takes
    // seconds to optimise a fresh process, and portico-10k would otherwise be measured half-cold against a warm portico.
    for (const c of who) await measure(scenario, c, warmed.has(c.name) ? 1 : FIRST_WARM_UP_S, LOAD_CPU).then(() => warmed.add(c.name));
    for (let round = 0; round < rounds; round++) {
      for (const c of who) {
        const cell = { scenario: scenario.id, proxy: c.name, round, ...(await measure(scenario, c, seconds, LOAD_CPU)) };
        report.cells.push(cell);
        console.log(`  ${c.name.padEnd(12)} ${fmt(cell.rps).padStart(7)} req/s  p50 ${fmt(cell.p50, 2)} ms  p99 ${fmt(cell.p99, 2)} ms  ${fmt(cell.cpuUs, 1)} µs CPU/req  ${fmt(cell.rssMb)} MB${cell.errors ? `  ${cell.errors} errors` : ''}`);
      }
    }
  }
  if (scenarios.length) {
    report.rows = summarise(report.cells);
    console.log(`\nData plane (${seconds}s per cell, ${rounds} rounds, medians; proxies on CPU ${PROXY_CPU}, load + upstream on CPU ${LOAD_CPU})\n`);
    console.log(table(report.rows));
  }
  if (flags.profile) report.profile = await profile(portico, porticoPorts, manifests);
}

/** Portico with 10,000 more Ingresses (its own API and manifests). */
function startBig(ports, up) {
  const manifests = join(dir, 'manifests-10k');
  writeManifests(manifests, 'bench.yaml', benchObjects(up, certs, 10));
  writeManifests(manifests, 'fillers.yaml', fillerIngresses(10_000, 'big'));
  return startPortico({ dir, name: 'portico-10k', source: { manifests }, ports, certs, apiCpu: LOAD_CPU, proxyCpu: PROXY_CPU });
}

/** Restarts Portico's proxy with --cpu-prof, loads it with one scenario, stops it so the profile is written. */
async function profile(portico, ports, manifests) {
  await stop(portico.proxy);
  await stop(portico.api);
  const profDir = join(dir, 'cpu-prof');
  const again = await startPortico({ dir, name: 'portico-prof', source: { manifests }, ports, certs, apiCpu: LOAD_CPU, proxyCpu: PROXY_CPU, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] });
  const scenario = selectScenarios(flags['profile-scenario'])[0];
  const c = { name: 'portico', pid: again.proxy.pid, ports };
  await measure(scenario, c, 1, LOAD_CPU);
  const cell = await measure(scenario, c, seconds, LOAD_CPU);
  await stop(again.proxy, 15_000);
  const summary = summariseProfile(profDir);
  console.log(`\nProfile of Portico's proxy under ${scenario.id} (${fmt(cell.rps)} req/s while profiling): top self time\n`);
  console.log(summary.text);
  return summary.top;
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`;
}

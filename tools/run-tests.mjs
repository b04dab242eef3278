// The one test command: builds everything, runs every project's unit tests and the end-to-end suites through Nx,
// then prints one closing line summed from each runner's JSON report. `npm test -- test` runs unit tests only.
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, readFileSync, rmSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian packages the end-to-end suites drive as real clients: a browser, kubectl against the emulator, jq. */
const TOOLS = [
  { binary: CHROMIUM, packages: ['chromium'], what: 'Chromium (browser tests; or set CHROMIUM_PATH)' },
  { binary: '/usr/bin/kubectl', packages: ['kubectl'], what: 'kubectl (Kubernetes e2e and deploy/ tests)' },
  { binary: '/usr/bin/jq', packages: ['jq'], what: 'jq (the curl guide, docs/admin-api.md, runs as written)' },
];

function ensureTools() {
  const missing = TOOLS.filter((t) => !existsSync(t.binary));
  if (missing.length === 0) return;
  const packages = missing.flatMap((t) => t.packages);
  if (process.getuid?.() !== 0) {
    console.error(`Missing ${missing.map((t) => t.what).join(' and ')}: run "sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}", then npm test again.`);
    process.exit(1);
  }
  console.log(`Installing ${packages.join(', ')} from Debian for the end-to-end tests…`);
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...packages]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['build', 'test', 'e2e'];
if (targets.includes('e2e')) ensureTools();

const reports = () => globSync('{apps/*,libs/*,e2e}/test-results/{vitest,playwright}.json');
for (const f of reports()) rmSync(f); // Nx restores cached reports; stale ones must not count.

const nx = spawnSync('nx', ['run-many', '-t', ...targets, '--output-style=static'], { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports()) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  if (r.stats) {
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
  } else {
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(nx.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);

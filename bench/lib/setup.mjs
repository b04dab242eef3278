// What a fresh clone needs before measuring: Debian's nginx (with the stream module), HAProxy and wrk, and the
// built API and proxy.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT } from './portico.mjs';

const TOOLS = { nginx: 'nginx', haproxy: 'haproxy', wrk: 'wrk', taskset: 'util-linux', openssl: 'openssl' };
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export function ensureTools() {
  const packages = Object.entries(TOOLS).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (!existsSync(STREAM_MODULE)) packages.push('libnginx-mod-stream');
  if (!packages.length) return;
  if (process.getuid?.() !== 0) throw new Error(`missing: ${packages.join(' ')}; as root: apt-get install -y ${packages.join(' ')}`);
  console.log(`installing from Debian: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  // --no-install-recommends: no nginx service gets enabled beside the bench's own.
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}

export function ensureBuilt(force) {
  // The propagation benchmark also imports the compiler, the matcher and the Kubernetes emulator (libs/testing).
  const missing = ['apps/api/dist/main.js', 'apps/proxy/dist/main.js', 'libs/testing/dist/index.js', 'libs/compiler/dist/index.js'].filter((f) => !existsSync(join(ROOT, f)));
  if (!force && !missing.length) return;
  console.log('building the API, the proxy and libs/testing');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', '@portico/api', '@portico/proxy', '@portico/testing', '--output-style=static'], { cwd: ROOT, stdio: 'inherit' });
}

/** Distinct free loopback ports (bound, read, released together so none is handed out twice). */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => resolve(s)); })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

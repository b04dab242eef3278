// `npm start`: builds what is needed, then runs Portico standalone on this machine — the API (which serves the
// dashboard) and one proxy, over a directory of Kubernetes manifests. Without --manifests it uses `.portico/`,
// seeded from examples/demo/, and starts the demo's echo backends.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoTls } from './demo-tls.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    manifests: { type: 'string' },
    'http-port': { type: 'string', default: process.env.PORTICO_HTTP_PORT ?? '8000' },
    'https-port': { type: 'string', default: process.env.PORTICO_HTTPS_PORT ?? '8443' },
    'admin-port': { type: 'string', default: process.env.PORTICO_ADMIN_PORT ?? '9090' },
    'proxy-admin-port': { type: 'string', default: process.env.PORTICO_PROXY_ADMIN_PORT ?? '9091' },
    bind: { type: 'string', default: process.env.PORTICO_BIND ?? '127.0.0.1' },
    'skip-build': { type: 'boolean', default: false },
  },
});

if (!flags['skip-build']) {
  const build = spawnSync('nx', ['run-many', '-t', 'build', '-p', '@portico/api', '@portico/proxy', '@portico/web', '--output-style=static'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const dataDir = resolve(process.env.PORTICO_DATA_DIR ?? resolve(root, '.portico'));
mkdirSync(dataDir, { recursive: true });
const demo = flags.manifests === undefined;
const manifests = demo ? resolve(dataDir, 'manifests') : resolve(flags.manifests);
if (demo && !existsSync(manifests)) cpSync(resolve(root, 'examples/demo'), manifests, { recursive: true });
if (!existsSync(manifests)) {
  console.error(`--manifests ${flags.manifests}: no such directory`);
  process.exit(2);
}

const tokens = loadTokens(resolve(dataDir, 'tokens.json'));
const stopping = [];

/** The demo's client certificate files (for the mTLS host), set when the demo runs. */
let demoClient;
if (demo) {
  const { startEchoServer } = await import('@portico/api/demo');
  for (const [pod, port] of [['demo-1', 18081], ['demo-2', 18082]]) {
    const echo = await startEchoServer({ service: 'demo', pod, host: '127.0.0.1', port });
    stopping.push(() => echo.close());
  }
  // The TLS backend (HTTPS upstream of tls.demo.localhost, far end of passthrough) presents its own certificate.
  const { backend, client } = await demoTls(resolve(dataDir, 'demo-tls'), manifests);
  demoClient = client;
  const echo = await startEchoServer({ service: 'demo-tls', pod: 'demo-tls-1', host: '127.0.0.1', port: 18083, tls: backend });
  stopping.push(() => echo.close());
}

const adminUrl = `http://127.0.0.1:${flags['admin-port']}`;
const children = [
  run('api', 'apps/api/dist/main.js', ['--manifests', manifests, '--admin-port', flags['admin-port'], '--bind', flags.bind], {
    PORTICO_ADMIN_TOKEN: tokens.admin,
    PORTICO_VIEWER_TOKEN: tokens.viewer,
    PORTICO_PROXY_TOKEN: tokens.proxy,
  }),
  run(
    'proxy',
    'apps/proxy/dist/main.js',
    ['--api-url', adminUrl, '--http-port', flags['http-port'], '--https-port', flags['https-port'], '--proxy-admin-port', flags['proxy-admin-port'], '--bind', flags.bind,
      '--state-dir', resolve(dataDir, 'proxy-state'), '--proxy-id', 'standalone'],
    { PORTICO_PROXY_TOKEN: tokens.proxy },
  ),
];

console.log(`
Portico is starting (manifests: ${manifests})
  proxy:      http://127.0.0.1:${flags['http-port']}/  https://127.0.0.1:${flags['https-port']}/${demo ? `   try: curl http://demo.localhost:${flags['http-port']}/hi` : ''}${demo ? demoTlsHint(flags['https-port'], demoClient) : ''}
  dashboard:  ${adminUrl}/#token=${tokens.admin}
              (admin token: ${tokens.admin}; viewer token: ${tokens.viewer}; kept in ${resolve(dataDir, 'tokens.json')})
  API docs:   ${adminUrl}/api/docs
  readiness:  ${adminUrl}/readyz   proxy: http://127.0.0.1:${flags['proxy-admin-port']}/readyz   metrics: http://127.0.0.1:${flags['proxy-admin-port']}/metrics
`);

/** One line per TLS mode the demo shows, each a command that works as printed. */
function demoTlsHint(port, client) {
  const curl = (host, path = '/') => `curl -k --resolve ${host}:${port}:127.0.0.1 https://${host}:${port}${path}`;
  return `
  TLS demo:   terminated           ${curl('secure.demo.localhost', '/hi')}
              HTTPS upstream       ${curl('tls.demo.localhost')}   (flip it to passthrough in the dashboard: Routes)
              passthrough          ${curl('passthrough.demo.localhost')}   (the backend's own certificate)
              mTLS                 ${curl('mtls.demo.localhost')} --cert ${client.cert} --key ${client.key}
                                   (without --cert and --key: refused)`;
}

let exiting = false;
async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await Promise.all(stopping.map((stop) => stop()));
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function run(name, script, args, env) {
  const child = spawn(process.execPath, [resolve(root, script), ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    if (!exiting) {
      console.error(`${name} exited (${signal ?? code}); stopping Portico`);
      void shutdown(code || 1);
    }
  });
  return child;
}

/** The tokens of this data directory: made once (unless given in the environment), kept readable by the owner only. */
function loadTokens(file) {
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const token = (role) => process.env[`PORTICO_${role.toUpperCase()}_TOKEN`] ?? kept[role] ?? randomBytes(18).toString('base64url');
  const tokens = { admin: token('admin'), viewer: token('viewer'), proxy: token('proxy') };
  if (JSON.stringify(tokens) !== JSON.stringify(kept)) writeFileSync(file, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  return tokens;
}

// Portico as it runs standalone: the real API over a manifests directory (or a kubeconfig) and the real proxy
// subscribed to it, as two processes. Manifests are JSON documents, which YAML reads as they are.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { start, waitFor } from './procs.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
const API_MAIN = join(ROOT, 'apps/api/dist/main.js');
const PROXY_MAIN = join(ROOT, 'apps/proxy/dist/main.js');
export const TOKENS = { admin: 'bench-admin-token', proxy: 'bench-proxy-token' };
/** The proxy image's NODE_OPTIONS (its young-generation cap), so the bench's proxy runs with the production flags. */
export const PROXY_NODE_ARGS = (readFileSync(join(ROOT, 'deploy/docker/proxy.Dockerfile'), 'utf8').match(/^ENV NODE_OPTIONS="([^"]*)"/m)?.[1] ?? '').split(' ').filter(Boolean);

const docs = (objects) => objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
const b64 = (text) => Buffer.from(text).toString('base64');

export const ingressClass = () => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.dev/ingress-controller' } });

export function service(name, port) {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${name}-1`, namespace: 'default' } }],
    },
  ];
}

export function ingress(name, host, serviceName, { path = '/', annotations } = {}) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'portico',
      rules: [{ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: serviceName, port: { number: 80 } } } }] } }],
    },
  };
}

/** `count` Ingresses with a host each, all on the plain upstream: the table size dimension. */
export const fillerIngresses = (count, prefix = 'filler') => Array.from({ length: count }, (_, i) => ingress(`${prefix}-${i}`, `${prefix}-${i}.bench`, 'bench'));

/** The bench's routes: the measured hosts (plain, HTTPS upstream, passthrough) plus fillers up to `routes`. */
export function benchObjects(up, certs, routes) {
  return [
    ingressClass(),
    ...service('bench', up.upstream),
    ...service('bench-tls', up.upstreamTls),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'upstream-ca', namespace: 'default' }, type: 'Opaque', data: { 'ca.crt': b64(certs.caPem) } },
    ingress('bench', 'bench.local', 'bench'),
    ingress('tlsup', 'tlsup.bench', 'bench-tls', {
      annotations: {
        'pipy.ingress.kubernetes.io/upstream-ssl-secret': 'upstream-ca',
        'pipy.ingress.kubernetes.io/upstream-ssl-name': 'upstream.bench',
        'pipy.ingress.kubernetes.io/upstream-ssl-verify': 'true',
      },
    }),
    ingress('pt', 'pt.bench', 'bench-tls', { annotations: { 'portico.dev/ssl-passthrough': 'true' } }),
    ...fillerIngresses(Math.max(0, routes - 3)),
  ];
}

export function writeManifests(dir, name, objects) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), docs(objects));
}

/**
 * One proxy process on its one core, as issue 7 places it: CPU and RSS are read from this one PID. taskset already
 * gives one worker; this keeps it so wherever affinity is not honoured. An environment variable rather than the flag,
 * so a `--baseline` build from before --workers still starts.
 */
export const ONE_WORKER = { PORTICO_WORKERS: '1' };

/**
 * Starts the API (on `apiCpu`) and the proxy (on `proxyCpu`) and waits until the proxy serves a table with
 * bench.local. `source` is `{ manifests }` or `{ kubeconfig }`. Returns both processes and the proxy's ports.
 */
export async function startPortico({ dir, name, source, ports, certs, apiCpu, proxyCpu, nodeArgs = [], probeHost = 'bench.local', proxyMain = PROXY_MAIN }) {
  mkdirSync(dir, { recursive: true });
  const sourceArgs = source.manifests ? ['--manifests', source.manifests] : ['--kubeconfig', source.kubeconfig];
  const api = start(`${name}-api`, process.execPath, [API_MAIN, ...sourceArgs, '--admin-port', String(ports.api), '--bind', '127.0.0.1', '--log-level', 'warn', '--web-dir', join(dir, 'no-web')], {
    cpu: apiCpu,
    logFile: join(dir, `${name}-api.log`),
    env: { PORTICO_ADMIN_TOKEN: TOKENS.admin, PORTICO_PROXY_TOKEN: TOKENS.proxy },
  });
  const proxyArgs = [
    ...PROXY_NODE_ARGS,
    ...nodeArgs,
    proxyMain,
    '--api-url', `http://127.0.0.1:${ports.api}`,
    '--proxy-id', name,
    '--http-port', String(ports.http),
    '--https-port', String(ports.tls),
    '--proxy-admin-port', String(ports.admin),
    '--bind', '127.0.0.1',
    '--state-dir', join(dir, `${name}-state`),
    '--default-cert', certs.certFile,
    '--default-key', certs.keyFile,
  ];
  // The access log is on (info) as in production; it goes to /dev/null like nginx's and HAProxy's.
  const proxy = start(`${name}-proxy`, process.execPath, proxyArgs, { cpu: proxyCpu, logFile: '/dev/null', cwd: dir, env: { PORTICO_PROXY_TOKEN: TOKENS.proxy, ...ONE_WORKER } });
  await waitFor(`${name} serving ${probeHost}`, () => expectStatus(ports.http, probeHost, '/small', 200), 120_000);
  return { api, proxy };
}

/** One plain HTTP GET on a fresh connection; throws unless the status is `status`. */
export async function expectStatus(port, host, path, status) {
  const got = await statusOf(port, host, path);
  if (got !== status) throw new Error(`${host}${path}: ${got}`);
}

/** The status of one GET on a fresh connection (no agent: a probe must not reuse a connection the proxy closed). */
export function statusOf(port, host, path, agent = false) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

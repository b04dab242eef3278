import { startKubeEmulator, type KubeEmulator, type KubeObject } from '@portico/testing';
import { startApi } from '../src/index.js';
import type { ApiHandle, ApiOptions } from '../src/config/api-options.js';
import { json, silentLogger, waitFor } from './helpers.js';

export const ADMIN = 'admin-secret';
export const PROXY = 'proxy-secret';

export { startKubeEmulator, type KubeEmulator, type KubeObject };

export const ingressClass = (name = 'portico', controller = 'portico.dev/ingress-controller'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name },
  spec: { controller },
});

export interface IngressSpecOptions {
  namespace?: string;
  host?: string;
  service?: string;
  className?: string | null;
  tlsSecret?: string;
  annotations?: Record<string, string>;
}

export const ingress = (name: string, options: IngressSpecOptions = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: options.namespace ?? 'default', ...(options.annotations ? { annotations: options.annotations } : {}) },
  spec: {
    ...(options.className === null ? {} : { ingressClassName: options.className ?? 'portico' }),
    ...(options.tlsSecret ? { tls: [{ hosts: [options.host ?? `${name}.example`], secretName: options.tlsSecret }] } : {}),
    rules: [
      {
        host: options.host ?? `${name}.example`,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: options.service ?? 'web', port: { number: 80 } } } }] },
      },
    ],
  },
});

export const service = (name: string, namespace = 'default', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.0.10', type: 'ClusterIP' },
  ...extra,
});

export const endpointSlice = (serviceName: string, ips: string[], namespace = 'default'): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${serviceName}-abc`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

export const secret = (name: string, data: Record<string, string>, options: { namespace?: string; type?: string; annotations?: Record<string, string> } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: options.namespace ?? 'default', ...(options.annotations ? { annotations: options.annotations } : {}) },
  type: options.type ?? 'kubernetes.io/tls',
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
});

/** The admin API on a kubeconfig, on 127.0.0.1, quiet; tests close it. */
export function startClusterApi(emulator: KubeEmulator, options: Partial<ApiOptions> = {}): Promise<ApiHandle> {
  return startApi({
    kubeconfig: emulator.kubeconfigPath,
    port: 0,
    bind: '127.0.0.1',
    adminToken: ADMIN,
    proxyToken: PROXY,
    webDir: null,
    logger: silentLogger(),
    settingsConfigMap: null,
    leaseDurationMs: 1000,
    ...options,
  });
}

export const admin = (api: ApiHandle, route: string) => fetch(`${api.url}${route}`, { headers: { authorization: `Bearer ${ADMIN}` } });

export async function readyz(api: ApiHandle): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.url}/readyz`);
  return { status: response.status, body: await json(response) };
}

export const waitReady = (api: ApiHandle, timeoutMs = 10_000) => waitFor(async () => (await readyz(api)).status === 200, 'the API to be ready', timeoutMs);

/** Host names of the current routing table. */
export async function hosts(api: ApiHandle): Promise<string[]> {
  const response = await admin(api, '/api/v1/routes');
  if (response.status !== 200) return [];
  const table = await json(response);
  return table.virtualHosts.map((host: { host?: string; hostname?: string }) => host.host ?? host.hostname).sort();
}

export async function diagnostics(api: ApiHandle): Promise<Array<{ code: string; message: string; severity: string; object?: { name: string } }>> {
  return (await json(await admin(api, '/api/v1/diagnostics'))).diagnostics;
}

/** Requests the emulator saw, as `METHOD path?query`, from index `from` on. */
export const requestLines = (emulator: KubeEmulator, from = 0): string[] =>
  emulator.requests().slice(from).map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);

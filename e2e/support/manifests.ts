import { stringify } from 'yaml';

/** Kubernetes manifests for the full-stack tests, written as YAML the way a user would. */
export const ingressClass = (): string =>
  stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'portico' },
    spec: { controller: 'portico.dev/ingress-controller' },
  });

/** A Service whose "pods" are echo servers on loopback: one EndpointSlice per pod, since each has its own port. */
export function serviceWithPods(name: string, pods: Array<{ pod: string; port: number; ready?: boolean }>): string {
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } },
    ...pods.map((p) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-${p.pod}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: p.port }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: p.ready ?? true }, targetRef: { kind: 'Pod', name: p.pod, namespace: 'default' } }],
    })),
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

export interface PathRule {
  path: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
}

export function ingress(
  name: string,
  rules: Array<{ host?: string; paths: PathRule[] }>,
  opts: { annotations?: Record<string, string>; defaultBackend?: string; created?: string; tls?: Array<{ hosts: string[]; secretName: string }> } = {},
): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: 'default',
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      ingressClassName: 'portico',
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.defaultBackend ? { defaultBackend: { service: { name: opts.defaultBackend, port: { number: 80 } } } } : {}),
      ...(rules.length
        ? {
            rules: rules.map((r) => ({
              ...(r.host ? { host: r.host } : {}),
              http: {
                paths: r.paths.map((p) => ({
                  path: p.path,
                  pathType: p.pathType ?? 'Prefix',
                  backend: { service: { name: p.service, port: { number: 80 } } },
                })),
              },
            })),
          }
        : {}),
    },
  });
}

/** The controller's settings ConfigMap (`default/portico-settings`): its data overrides the TLS flags live. */
export const settingsConfigMap = (data: Record<string, string>): string =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'portico-settings', namespace: 'default' }, data });

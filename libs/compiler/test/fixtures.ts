import type {
  ClusterSnapshot,
  EndpointSliceObject,
  IngressClassObject,
  IngressObject,
  ServiceObject,
} from '@portico/model';

export interface PathSpec {
  path?: string;
  pathType?: string;
  service?: string;
  port?: number | string;
}

export function ingress(
  name: string,
  opts: {
    namespace?: string;
    className?: string | null;
    created?: string;
    annotations?: Record<string, string>;
    rules?: Array<{ host?: string; paths: PathSpec[] }>;
    defaultBackend?: { service: string; port?: number | string };
  } = {},
): IngressObject {
  const backend = (service: string, port: number | string = 80) => ({
    service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } },
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      ...(opts.className === null ? {} : { ingressClassName: opts.className ?? 'portico' }),
      ...(opts.defaultBackend ? { defaultBackend: backend(opts.defaultBackend.service, opts.defaultBackend.port) } : {}),
      ...(opts.rules
        ? {
            rules: opts.rules.map((r) => ({
              ...(r.host !== undefined ? { host: r.host } : {}),
              http: {
                paths: r.paths.map((p) => ({
                  path: p.path ?? '/',
                  pathType: p.pathType ?? 'Prefix',
                  backend: backend(p.service ?? 'svc', p.port ?? 80),
                })),
              },
            })),
          }
        : {}),
    },
  };
}

export function service(name: string, ports: Array<{ port: number; name?: string }> = [{ port: 80 }], namespace = 'default'): ServiceObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports } };
}

export function slice(
  serviceName: string,
  endpoints: Array<{ address: string; ready?: boolean; pod?: string }>,
  port: { port: number; name?: string } = { port: 8080 },
  namespace = 'default',
  suffix = 'a',
): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-${suffix}`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ ...(port.name !== undefined ? { name: port.name } : {}), port: port.port, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.address],
      conditions: e.ready === undefined ? {} : { ready: e.ready },
      ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace } } : {}),
    })),
  };
}

export function ingressClass(name: string, controller = 'portico.dev/ingress-controller', isDefault = false): IngressClassObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller },
  };
}

export function snapshot(parts: Partial<ClusterSnapshot>): ClusterSnapshot {
  return { ingressClasses: [], ingresses: [], services: [], endpointSlices: [], secrets: [], configMaps: [], ...parts };
}

/** Services `svc`, `a`, `b`, `c`, `d`, `def` on port 80, each with one ready endpoint. */
export function withBackends(ingresses: IngressObject[], extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const names = ['svc', 'a', 'b', 'c', 'd', 'def'];
  return snapshot({
    ingresses,
    services: names.map((n) => service(n)),
    endpointSlices: names.map((n, i) => slice(n, [{ address: `10.0.0.${i + 1}`, pod: `${n}-pod` }])),
    ...extra,
  });
}

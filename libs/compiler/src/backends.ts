import type {
  Cluster,
  Diagnostic,
  Endpoint,
  EndpointSliceObject,
  LbPolicy,
  ObjectRef,
  ServiceObject,
  ServicePort,
} from '@portico/model';
import type { IngressBackendSpec } from './ingress-schema.js';
import type { UpstreamSecurity } from './security.js';

/** The traffic policy an Ingress gives its backends: part of a cluster's identity. */
export interface ClusterPolicy {
  lb: LbPolicy;
  sessionSticky: boolean;
  protocol: 'http1' | 'h2';
  upstream?: UpstreamSecurity;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Services and EndpointSlices indexed once per compile. */
export class BackendCatalog {
  private readonly services = new Map<string, ServiceObject>();
  private readonly slices = new Map<string, EndpointSliceObject[]>();

  constructor(services: ServiceObject[], endpointSlices: EndpointSliceObject[]) {
    for (const svc of services) this.services.set(key(svc.metadata?.namespace, svc.metadata?.name), svc);
    for (const slice of endpointSlices) {
      const owner = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!owner) continue;
      const k = key(slice.metadata?.namespace, owner);
      const list = this.slices.get(k) ?? [];
      list.push(slice);
      this.slices.set(k, list);
    }
  }

  /**
   * Resolves an Ingress service backend to a cluster. A missing Service or port is a diagnostic, and the cluster
   * exists with no endpoints, so its routes answer 503 instead of vanishing.
   */
  resolve(
    namespace: string,
    backend: NonNullable<IngressBackendSpec['service']>,
    policy: ClusterPolicy,
    object: ObjectRef,
    field: string,
  ): { cluster: Cluster; diagnostics: Diagnostic[] } {
    const diagnostics: Diagnostic[] = [];
    const portRef = backend.port.number ?? backend.port.name ?? 0;
    const cluster: Cluster = {
      id: clusterId(namespace, backend.name, portRef, policy),
      service: { namespace, name: backend.name, port: portRef },
      endpoints: [],
      lb: policy.lb,
      sessionSticky: policy.sessionSticky,
      protocol: policy.protocol,
    };
    const up = policy.upstream;
    if (up) {
      cluster.upstreamTls = {
        verify: up.verify,
        // Without upstream-ssl-name the upstream is expected to present the Service's cluster DNS name.
        serverName: up.serverName ?? `${backend.name}.${namespace}.svc`,
        ...(up.caPem ? { caPem: up.caPem } : {}),
        ...(up.clientCertificate ? { clientCertificateId: up.clientCertificate.id } : {}),
      };
    }
    const svc = this.services.get(key(namespace, backend.name));
    if (!svc) {
      diagnostics.push({
        severity: 'warning',
        code: 'ServiceNotFound',
        message: `Service ${namespace}/${backend.name} does not exist; requests answer 503 until it does`,
        object,
        field: `${field}.service.name`,
      });
      return { cluster, diagnostics };
    }
    if (svc.spec?.type === 'ExternalName') {
      diagnostics.push({
        severity: 'warning',
        code: 'UnsupportedBackend',
        message: `Service ${namespace}/${backend.name} is of type ExternalName, which is not supported; requests answer 503`,
        object,
        field: `${field}.service.name`,
      });
      return { cluster, diagnostics };
    }
    const servicePort = findServicePort(svc.spec?.ports, backend.port);
    if (!servicePort) {
      diagnostics.push({
        severity: 'warning',
        code: 'ServicePortNotFound',
        message: `Service ${namespace}/${backend.name} has no port ${JSON.stringify(portRef)}; requests answer 503`,
        object,
        field: `${field}.service.port`,
      });
      return { cluster, diagnostics };
    }
    cluster.endpoints = this.endpointsFor(namespace, backend.name, servicePort);
    return { cluster, diagnostics };
  }

  private endpointsFor(namespace: string, service: string, servicePort: ServicePort): Endpoint[] {
    // EndpointSlice ports carry the Service port's name ('' when the Service port is unnamed).
    const wantedName = servicePort.name ?? '';
    const seen = new Map<string, Endpoint>();
    for (const slice of this.slices.get(key(namespace, service)) ?? []) {
      if (slice.addressType === 'FQDN') continue;
      const port = (Array.isArray(slice.ports) ? slice.ports : []).find(
        (p) => (p.name ?? '') === wantedName && (p.protocol ?? 'TCP') === 'TCP' && isPort(p.port),
      );
      if (!port) continue;
      for (const ep of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
        // A nil `ready` condition means ready (EndpointSlice API contract).
        const ready = ep.conditions?.ready !== false && ep.conditions?.terminating !== true;
        for (const address of Array.isArray(ep.addresses) ? ep.addresses : []) {
          if (typeof address !== 'string' || address.length === 0) continue;
          const id = `${address}|${port.port}`;
          const existing = seen.get(id);
          if (existing && existing.ready) continue;
          const endpoint: Endpoint = { address, port: port.port!, ready };
          const ref = ep.targetRef;
          if (ref?.kind && ref.name) endpoint.targetRef = { kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
          seen.set(id, endpoint);
        }
      }
    }
    return [...seen.values()].sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  }
}

function findServicePort(ports: ServicePort[] | undefined, ref: { number?: number; name?: string }): ServicePort | undefined {
  if (!Array.isArray(ports)) return undefined;
  return ref.number !== undefined ? ports.find((p) => p.port === ref.number) : ports.find((p) => p.name === ref.name);
}

export function clusterId(namespace: string, service: string, port: number | string, policy: ClusterPolicy): string {
  let id = `${namespace}/${service}:${port}`;
  if (policy.lb !== 'round-robin') id += `|lb=${policy.lb}`;
  if (policy.sessionSticky) id += '|sticky';
  if (policy.protocol === 'h2') id += '|h2';
  const up = policy.upstream;
  if (up) id += `|tls=${up.secretId}${up.verify ? ',verify' : ''}${up.serverName ? `,name=${up.serverName}` : ''}`;
  return id;
}

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
const key = (namespace: string | undefined, name: string | undefined) => `${namespace ?? 'default'}/${name ?? ''}`;

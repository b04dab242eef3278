/** The Kubernetes resources Portico reads or writes, and their REST paths. */
export interface ResourceType {
  kind: string;
  apiVersion: string;
  plural: string;
  namespaced: boolean;
}

export const RESOURCES = {
  IngressClass: { kind: 'IngressClass', apiVersion: 'networking.k8s.io/v1', plural: 'ingressclasses', namespaced: false },
  Ingress: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', plural: 'ingresses', namespaced: true },
  Service: { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true },
  EndpointSlice: { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  Secret: { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', namespaced: true },
  ConfigMap: { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  Event: { kind: 'Event', apiVersion: 'v1', plural: 'events', namespaced: true },
  Lease: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', plural: 'leases', namespaced: true },
} as const satisfies Record<string, ResourceType>;

/**
 * `/api/v1/namespaces/NS/secrets/NAME/status`-style paths. Without a namespace, a namespaced resource's path lists
 * it across all namespaces.
 */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const object = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
  return `${base}${scope}/${type.plural}${object}`;
}

/** `namespace/name`, the key objects are indexed by (cluster-scoped objects: `/name`). */
export const keyOf = (meta: { namespace?: string; name?: string } | undefined): string => `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;

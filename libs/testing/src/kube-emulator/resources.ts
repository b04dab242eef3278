/** The resource table: which kinds the emulator serves, and how discovery describes them. */
export interface ResourceDef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `status` subresource: a main-resource write ignores `.status`, a status write changes only `.status`. */
  statusSubresource: boolean;
  /** metadata.generation is set and bumped on spec changes. */
  generation: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(group: string, version: string, resource: string, kind: string, extra: Partial<ResourceDef> = {}): ResourceDef {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    generation: true,
    ...extra,
  };
}

export const RESOURCES: readonly ResourceDef[] = [
  def('', 'v1', 'namespaces', 'Namespace', { namespaced: false, shortNames: ['ns'], statusSubresource: true, generation: false }),
  def('', 'v1', 'services', 'Service', { shortNames: ['svc'], categories: ['all'], statusSubresource: true }),
  def('', 'v1', 'secrets', 'Secret', { generation: false }),
  def('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'], generation: false }),
  def('', 'v1', 'events', 'Event', { shortNames: ['ev'], generation: false }),
  def('', 'v1', 'endpoints', 'Endpoints', { singular: 'endpoints', shortNames: ['ep'], generation: false }),
  def('networking.k8s.io', 'v1', 'ingresses', 'Ingress', { shortNames: ['ing'], statusSubresource: true }),
  def('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', { namespaced: false }),
  def('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { generation: false }),
  def('coordination.k8s.io', 'v1', 'leases', 'Lease', { generation: false }),
  def('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'], generation: false }),
];

export function groupVersion(d: Pick<ResourceDef, 'group' | 'version'>): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}

/** `ingresses.networking.k8s.io`, or `services` for the core group (as in API server messages). */
export function qualifiedResource(d: ResourceDef): string {
  return d.group ? `${d.resource}.${d.group}` : d.resource;
}

/** A stable id for the resource's storage. */
export function resourceId(d: ResourceDef): string {
  return `${groupVersion(d)}/${d.resource}`;
}

export function findByPath(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((d) => groupVersion(d) === apiVersion && d.kind === kind);
}

export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const d of RESOURCES) seen.set(groupVersion(d), { group: d.group, version: d.version });
  return [...seen.values()];
}

/** An APIResourceList for one group/version (with `…/status` subresource entries). */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const defs = RESOURCES.filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const d of defs) {
    const verbs = d.namespaced ? ALL_VERBS : ALL_VERBS.filter((v) => d.resource !== 'namespaces' || v !== 'deletecollection');
    const entry: Record<string, unknown> = { name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs };
    if (d.shortNames.length) entry.shortNames = d.shortNames;
    if (d.categories.length) entry.categories = d.categories;
    resources.push(entry);
    if (d.statusSubresource) {
      resources.push({ name: `${d.resource}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

export function apiGroup(group: string): Record<string, unknown> | undefined {
  const versions = groupVersions().filter((gv) => gv.group === group && group !== '');
  if (versions.length === 0) return undefined;
  const list = versions.map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions().map((gv) => gv.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g)!; return rest; }) };
}

import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';

/** Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), which `kubectl get` asks for. */
export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  cell: (o: KubeObject) => string | number;
}

/** k8s.io/apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o) => (o.metadata.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>'),
};
const none = (v: string) => (v === '' ? '<none>' : v);
const lbAddresses = (o: KubeObject) => ((o.status?.loadBalancer?.ingress ?? []) as any[]).map((i) => i.ip || i.hostname).filter(Boolean).join(',');

const COLUMNS: Record<string, Column[]> = {
  Ingress: [
    name,
    { name: 'Class', type: 'string', cell: (o) => o.spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', type: 'string', cell: (o) => ((o.spec?.rules ?? []) as any[]).map((r) => r.host || '*').join(',') || '*' },
    { name: 'Address', type: 'string', cell: lbAddresses },
    { name: 'Ports', type: 'string', cell: (o) => (o.spec?.tls?.length ? '80, 443' : '80') },
    age,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => o.spec?.clusterIP ?? '<none>' },
    {
      name: 'External-IP',
      type: 'string',
      cell: (o) => lbAddresses(o) || (o.spec?.externalIPs?.join(',') ?? '') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
    },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) => none(((o.spec?.ports ?? []) as any[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',')),
    },
    age,
  ],
  IngressClass: [
    name,
    { name: 'Controller', type: 'string', cell: (o) => o.spec?.controller ?? '' },
    { name: 'Parameters', type: 'string', cell: (o) => (o.spec?.parameters ? `${o.spec.parameters.kind}/${o.spec.parameters.name}` : '<none>') },
    age,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? '' }, age],
  Secret: [
    name,
    { name: 'Type', type: 'string', cell: (o) => o.type ?? '' },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length },
    age,
  ],
  ConfigMap: [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, age],
  EndpointSlice: [
    name,
    { name: 'AddressType', type: 'string', cell: (o) => o.addressType ?? '' },
    { name: 'Ports', type: 'string', cell: (o) => none(((o.ports ?? []) as any[]).map((p) => String(p.port)).join(',')) },
    { name: 'Endpoints', type: 'string', cell: (o) => none(((o.endpoints ?? []) as any[]).flatMap((e) => e.addresses ?? []).join(',')) },
    age,
  ],
  Lease: [name, { name: 'Holder', type: 'string', cell: (o) => o.spec?.holderIdentity ?? '' }, age],
};

/** A meta.k8s.io/v1 Table of `objects`; `includeObject` as in the query parameter (None, Metadata (default), Object). */
export function toTable(def: ResourceDef, objects: KubeObject[], meta: Record<string, unknown>, includeObject: string | null): Record<string, unknown> {
  const columns = COLUMNS[def.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: 0 })),
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: columns.map((c) => c.cell(o)) };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}

import type { Diagnostic, Route, VirtualHost } from '@portico/model';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Precedence order: longest path first, Exact before Prefix on equal length, then by path and id. */
export function sortRoutes(routes: Route[]): Route[] {
  return routes.sort(
    (a, b) =>
      b.path.length - a.path.length ||
      (a.pathType === b.pathType ? 0 : a.pathType === 'Exact' ? -1 : 1) ||
      cmp(a.path, b.path) ||
      cmp(a.id, b.id),
  );
}

const HOST_RANK = { exact: 0, wildcard: 1, any: 2 } as const;

/** Exact hosts, then wildcards, then the host-less entry; alphabetical within each. */
export function sortVirtualHosts(hosts: VirtualHost[]): VirtualHost[] {
  return hosts.sort((a, b) => HOST_RANK[a.match] - HOST_RANK[b.match] || cmp(a.host, b.host));
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) =>
    `${d.object?.kind ?? ''}\u0000${d.object?.namespace ?? ''}\u0000${d.object?.name ?? ''}\u0000${d.field ?? ''}\u0000${d.code}\u0000${d.message}`;
  return diagnostics.sort((a, b) => cmp(key(a), key(b)));
}

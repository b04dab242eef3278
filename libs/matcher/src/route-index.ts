import type { Cluster, CompiledConfig, DefaultBackend, Route, VirtualHost } from '@portico/model';
import { normalizeHost, wildcardParent } from './normalize-host.js';
import { prefixKey } from './normalize-path.js';

/** A match, prebuilt per route so the proxy's hot path allocates nothing to answer it. */
export interface RouteTarget {
  kind: 'route';
  route: Route;
  vhost: VirtualHost;
  cluster: Cluster | undefined;
}

export interface DefaultTarget {
  kind: 'default';
  backend: DefaultBackend;
  cluster: Cluster | undefined;
}

export type MatchResult = RouteTarget | DefaultTarget | null;

interface HostIndex {
  vhost: VirtualHost;
  exact: Map<string, RouteTarget>;
  prefix: Map<string, RouteTarget>;
}

/** Why a candidate route did or did not win; used by explanations. */
export interface Candidate {
  route: Route;
  vhost: string;
  matched: boolean;
  reason: string;
}

/**
 * (host, normalised path) → route, in Ingress precedence order:
 * exact host, then `*.parent` wildcard, then host-less rules, then the default backend; within a virtual host the
 * longest path wins and Exact beats Prefix on equal length. A host whose paths all miss falls through to the next
 * virtual host, as FSM does. Lookups cost O(path depth), independent of the number of routes.
 */
export class RouteIndex {
  private readonly hosts = new Map<string, HostIndex>();
  private readonly anyHost: HostIndex | undefined;
  private readonly defaultTarget: DefaultTarget | null;

  constructor(readonly config: CompiledConfig) {
    const clusters = new Map(config.clusters.map((c) => [c.id, c]));
    for (const vhost of config.virtualHosts) {
      const index: HostIndex = { vhost, exact: new Map(), prefix: new Map() };
      for (const route of vhost.routes) {
        const target: RouteTarget = { kind: 'route', route, vhost, cluster: clusters.get(route.clusterId) };
        const table = route.pathType === 'Exact' ? index.exact : index.prefix;
        const key = route.pathType === 'Exact' ? route.path : prefixKey(route.path);
        // The compiler already resolved conflicts; first one wins if it did not.
        if (!table.has(key)) table.set(key, target);
      }
      if (vhost.match === 'any') this.anyHost = index;
      else this.hosts.set(vhost.host, index);
    }
    this.defaultTarget = config.defaultBackend
      ? { kind: 'default', backend: config.defaultBackend, cluster: clusters.get(config.defaultBackend.clusterId) }
      : null;
  }

  /** `host` is a raw Host header (or SNI); `path` must already be normalised. */
  match(host: string | undefined, path: string): MatchResult {
    const name = normalizeHost(host);
    const exact = this.hosts.get(name);
    if (exact) {
      const hit = matchPath(exact, path);
      if (hit) return hit;
    }
    const parent = wildcardParent(name);
    if (parent) {
      const wildcard = this.hosts.get(parent);
      if (wildcard) {
        const hit = matchPath(wildcard, path);
        if (hit) return hit;
      }
    }
    if (this.anyHost) {
      const hit = matchPath(this.anyHost, path);
      if (hit) return hit;
    }
    return this.defaultTarget;
  }

  /**
   * The virtual host whose TLS settings govern a connection with this SNI: the exact host if it has TLS settings,
   * else its `*.parent` wildcard if that has them. Undefined means the default certificate, no passthrough.
   */
  tlsHost(serverName: string | null | undefined): VirtualHost | undefined {
    if (!serverName) return undefined;
    const name = normalizeHost(serverName);
    const exact = this.hosts.get(name)?.vhost;
    if (exact?.tls) return exact;
    const parent = wildcardParent(name);
    const wildcard = parent ? this.hosts.get(parent)?.vhost : undefined;
    return wildcard?.tls ? wildcard : undefined;
  }

  /** The virtual hosts a request for `host` would consult, in order. */
  hostChain(host: string | undefined): VirtualHost[] {
    const name = normalizeHost(host);
    const chain: VirtualHost[] = [];
    const exact = this.hosts.get(name);
    if (exact) chain.push(exact.vhost);
    const parent = wildcardParent(name);
    const wildcard = parent ? this.hosts.get(parent) : undefined;
    if (wildcard) chain.push(wildcard.vhost);
    if (this.anyHost) chain.push(this.anyHost.vhost);
    return chain;
  }

  /** Every route of the consulted virtual hosts, with whether it matches the path and why. */
  candidates(host: string | undefined, path: string): Candidate[] {
    const out: Candidate[] = [];
    for (const vhost of this.hostChain(host)) {
      for (const route of vhost.routes) out.push({ route, vhost: vhost.host, ...pathVerdict(route, path) });
    }
    return out;
  }
}

function matchPath(index: HostIndex, path: string): RouteTarget | undefined {
  const exact = index.exact.get(path);
  if (exact) return exact;
  if (index.prefix.size === 0) return undefined;
  // Walk the request's element prefixes from the longest: /a/b/c, /a/b, /a, /.
  let key = prefixKey(path);
  for (;;) {
    const hit = index.prefix.get(key);
    if (hit) return hit;
    if (key === '/') return undefined;
    const slash = key.lastIndexOf('/');
    key = slash <= 0 ? '/' : key.slice(0, slash);
  }
}

/** The matching rule stated for one route, independent of the index (explanations and tests). */
export function pathVerdict(route: Pick<Route, 'path' | 'pathType'>, path: string): { matched: boolean; reason: string } {
  if (route.pathType === 'Exact') {
    return route.path === path
      ? { matched: true, reason: 'Exact path equals the request path' }
      : { matched: false, reason: 'Exact path differs from the request path' };
  }
  const rule = prefixKey(route.path);
  const req = prefixKey(path);
  if (rule === '/' || req === rule || req.startsWith(rule + '/')) {
    return { matched: true, reason: `Prefix ${rule} matches element-wise` };
  }
  return { matched: false, reason: `Prefix ${rule} is not an element-wise prefix of the request path` };
}

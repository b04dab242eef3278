import type { Route, RoutingTable } from '@portico/model';
import { RouteIndex } from '@portico/matcher';
import type { Logger } from '../observability/logger.js';
import { compileRewrite, type CompiledRewrite } from '../routing/rewrite.js';
import { buildSecureContexts, type BuiltContext } from '../tls/secure-contexts.js';
import type { UpstreamCluster, UpstreamRegistry } from '../upstream/upstream-registry.js';

/** Everything the request path needs for one generation, swapped in as a single reference. */
export interface ActiveConfig {
  readonly generation: number;
  readonly table: RoutingTable;
  readonly index: RouteIndex;
  /** Keyed by the route objects the index hands out, so the hot path needs no string lookup. */
  readonly rewrites: ReadonlyMap<Route, CompiledRewrite>;
  readonly clusters: ReadonlyMap<string, UpstreamCluster>;
  /** Serving certificates that loaded, by certificate id (see buildSecureContexts). */
  readonly secureContexts: ReadonlyMap<string, BuiltContext>;
  /** Whether any virtual host has TLS settings; when none does, plain HTTP skips the http-policy lookup. */
  readonly hasTlsHosts: boolean;
}

/**
 * Builds a generation. Everything that can fail (regex compilation) runs before the upstream registry is touched,
 * so a rejected table leaves the serving state exactly as it was.
 */
export function buildActiveConfig(table: RoutingTable, upstreams: UpstreamRegistry, previous: ActiveConfig | null, logger: Logger): ActiveConfig {
  const rewrites = new Map<Route, CompiledRewrite>();
  for (const vhost of table.virtualHosts) {
    for (const route of vhost.routes) {
      if (!route.path.startsWith('/')) throw new Error(`route ${route.id}: path ${JSON.stringify(route.path)} does not start with "/"`);
      if (!route.rewrite) continue;
      try {
        rewrites.set(route, compileRewrite(route.rewrite));
      } catch (err) {
        throw new Error(`route ${route.id}: invalid rewrite regex: ${(err as Error).message}`);
      }
    }
  }
  const index = new RouteIndex(table);
  const hasTlsHosts = table.virtualHosts.some((v) => v.tls !== undefined);
  // Never throws: a certificate that fails to load degrades its hosts to the default certificate.
  const secureContexts = buildSecureContexts(table.certificates, previous?.secureContexts, logger);
  const clusters = upstreams.rebuild(table.clusters, table.certificates, logger);
  return { generation: table.generation, table, index, rewrites, clusters, secureContexts, hasTlsHosts };
}

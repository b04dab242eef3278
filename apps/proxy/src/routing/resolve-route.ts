import { normalizePath } from '@portico/matcher';
import type { ActiveConfig } from '../config/active-config.js';
import type { UpstreamCluster } from '../upstream/upstream-registry.js';
import { applyRewrite } from './rewrite.js';
import { splitRequestTarget } from './request-target.js';

/** Metric labels for requests that matched nothing; never derived from client input. */
export const UNMATCHED = 'none';
export const DEFAULT_BACKEND_ROUTE = 'default-backend';

export type Resolution =
  | {
      ok: true;
      cluster: UpstreamCluster;
      /** Normalised (and rewritten) path plus the original query string. */
      upstreamPath: string;
      /** Normalised path before rewriting, for logs. */
      path: string;
      hostLabel: string;
      routeId: string;
    }
  | { ok: false; status: 400 | 404 | 503; reason: string; path: string; hostLabel: string; routeId: string; clusterId: string | null };

/** Request target → cluster and upstream path, or the status to answer with. Pure: no I/O, no endpoint choice. */
export function resolveRoute(config: ActiveConfig, url: string, hostHeader: string | undefined): Resolution {
  const target = splitRequestTarget(url, hostHeader);
  const normalized = normalizePath(target.rawPath);
  if (!normalized.ok) {
    return { ok: false, status: 400, reason: `Bad Request: ${normalized.reason}`, path: target.rawPath, hostLabel: UNMATCHED, routeId: UNMATCHED, clusterId: null };
  }
  const path = normalized.path;
  const match = config.index.match(target.host, path);
  if (!match) {
    return { ok: false, status: 404, reason: 'Not Found: no route matches this host and path', path, hostLabel: UNMATCHED, routeId: UNMATCHED, clusterId: null };
  }
  const hostLabel = match.kind === 'route' ? match.vhost.host : 'default';
  const routeId = match.kind === 'route' ? match.route.id : DEFAULT_BACKEND_ROUTE;
  const clusterId = match.kind === 'route' ? match.route.clusterId : match.backend.clusterId;
  const cluster = config.clusters.get(clusterId);
  if (!cluster) {
    return { ok: false, status: 503, reason: 'Service Unavailable: the route has no backend cluster', path, hostLabel, routeId, clusterId };
  }
  const rewrite = match.kind === 'route' ? config.rewrites.get(match.route) : undefined;
  const upstreamPath = (rewrite ? applyRewrite(rewrite, path) : path) + target.query;
  return { ok: true, cluster, upstreamPath, path, hostLabel, routeId };
}

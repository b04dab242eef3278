import { normalizeHost, normalizePath, pathVerdict } from '@portico/matcher';
import type { Route, RouteSource } from '@portico/model';
import { z } from 'zod';
import {
  certificateChoice,
  clientPolicyKey,
  clientVerificationOf,
  clusterSummary,
  type CertificateChoice,
  type ClientVerification,
  type ClusterSummary,
  type TableView,
} from '../hosts/table-view.js';

export const ExplainRequestSchema = z.object({
  url: z
    .string()
    .max(8192)
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'an absolute http:// or https:// URL is required'),
  sni: z.string().max(253).nullable().optional().describe('the TLS server name; default: the URL host; null: no SNI'),
  method: z.string().max(32).optional(),
  headers: z.record(z.string(), z.string().max(8192)).optional().describe('a Host header here overrides the URL host for routing (the SNI stays)'),
  clientIp: z.union([z.ipv4(), z.ipv6()]).optional(),
});
export type ExplainRequest = z.infer<typeof ExplainRequestSchema>;

export type OutcomeAction = 'proxied' | 'redirect' | 'reject' | 'misdirected' | 'bad-request' | 'not-found' | 'no-endpoints' | 'relayed' | 'refused';

export interface Explanation {
  generation: number;
  request: { method: string; scheme: 'http' | 'https'; host: string; port: number; rawPath: string; query: string; clientIp: string | null };
  listener: 'http' | 'tls';
  tls: {
    serverName: string | null;
    serverNameFrom: 'sni' | 'url-host' | 'none';
    governingHost: string | null;
    mode: 'terminate' | 'passthrough' | 'global-passthrough' | 'closed';
    detail: string;
    certificate: CertificateChoice | null;
    clientCertificate: ClientVerification;
    misdirected: { status: 421; detail: string } | null;
  } | null;
  httpPolicy: { host: string; policy: string; outcome: 'redirect' | 'reject' | 'served'; status: number | null; location: string | null } | null;
  path: { raw: string; ok: boolean; normalized: string | null; reason: string | null };
  match: {
    kind: 'route' | 'default-backend' | 'none';
    routeId: string | null;
    virtualHost: string | null;
    hostMatch: 'exact' | 'wildcard' | 'any' | null;
    path: string | null;
    pathType: string | null;
    declaredPathType: string | null;
    source: RouteSource | null;
    hostChain: string[];
    fellThrough: string[];
  };
  candidates: Array<{ routeId: string; virtualHost: string; path: string; pathType: string; matched: boolean; reason: string; verdict: 'chosen' | 'beaten' | 'not-matched' | 'not-consulted'; why: string }>;
  rewrite: { from: string; to: string; input: string; result: string } | null;
  upstreamPath: string | null;
  cluster: (ClusterSummary & { endpointChoice: string }) | null;
  outcome: { action: OutcomeAction; status: number | null; detail: string };
  notes: string[];
}

/** The proxy's `applyRewrite`: the first match replaced (not global), and a leading `/` restored. */
export function applyRewrite(rewrite: { from: string; to: string }, path: string): string {
  const out = path.replace(new RegExp(rewrite.from), rewrite.to);
  return out.startsWith('/') ? out : '/' + out;
}

/**
 * What the proxy would do with a request, step by step, computed with the proxy's own matcher (@portico/matcher's
 * RouteIndex on the current table) and the proxy's rules for TLS (listeners/tls.ts, certificate-choice.ts),
 * plain-HTTP policy and 421 (http-policy.ts) and route resolution (resolve-route.ts). No private key appears.
 */
export function explain(view: TableView, request: ExplainRequest, httpsPort = 443): Explanation {
  const { table, index } = view;
  const url = new URL(request.url);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const hostHeader = headerOf(request.headers, 'host') ?? url.host;
  const host = normalizeHost(hostHeader);
  const rawPath = url.pathname || '/';
  const notes: string[] = [];
  const base = {
    generation: table.generation,
    request: { method: (request.method ?? 'GET').toUpperCase(), scheme, host, port, rawPath, query: url.search, clientIp: request.clientIp ?? null } as Explanation['request'],
    listener: scheme === 'https' ? ('tls' as const) : ('http' as const),
  };
  // `new URL` already resolves dot segments; explain the path as the client would send it on the wire.
  const sentPath = rawPathOf(request.url) ?? rawPath;
  base.request.rawPath = sentPath;

  let tls: Explanation['tls'] = null;
  let httpPolicy: Explanation['httpPolicy'] = null;
  const finish = (outcome: Explanation['outcome'], rest: Partial<Explanation> = {}): Explanation => ({
    ...base,
    tls,
    httpPolicy,
    path: { raw: sentPath, ok: true, normalized: null, reason: null },
    match: { kind: 'none', routeId: null, virtualHost: null, hostMatch: null, path: null, pathType: null, declaredPathType: null, source: null, hostChain: [], fellThrough: [] },
    candidates: [],
    rewrite: null,
    upstreamPath: null,
    cluster: null,
    outcome,
    notes,
    ...rest,
  });

  if (scheme === 'https') {
    const serverNameFrom = request.sni === null ? 'none' : request.sni !== undefined ? 'sni' : 'url-host';
    const serverName = request.sni === null ? null : normalizeHost(request.sni ?? url.hostname) || null;
    const governing = index.tlsHost(serverName);
    const clientCertificate = clientVerificationOf(governing);
    if (!table.tlsSettings.enabled) {
      tls = { serverName, serverNameFrom, governingHost: null, mode: 'closed', detail: 'TLS is turned off in the controller settings: the TLS port closes every connection', certificate: null, clientCertificate, misdirected: null };
      return finish({ action: 'refused', status: null, detail: 'connection closed on accept (TLS disabled)' });
    }
    if (governing?.tls?.mode === 'passthrough') {
      const cluster = clusterSummary(table, governing.tls.clusterId);
      tls = {
        serverName,
        serverNameFrom,
        governingHost: governing.host,
        mode: 'passthrough',
        detail: `${governing.host} is passed through: the TLS bytes go untouched to an endpoint of ${governing.tls.clusterId}; the backend's certificate is served and no path, rewrite, client verification or forwarded header applies`,
        certificate: null,
        clientCertificate,
        misdirected: null,
      };
      notes.push('routes, rewrites and HTTP status are decided by the backend for passthrough connections');
      const ready = cluster?.endpoints.ready ?? 0;
      return finish(
        ready > 0
          ? { action: 'relayed', status: null, detail: `relayed as raw TCP to one of ${ready} ready endpoint(s) of ${governing.tls.clusterId}` }
          : { action: 'refused', status: null, detail: `the cluster ${governing.tls.clusterId} has no ready endpoint: the connection is closed` },
        { cluster: cluster ? { ...cluster, endpointChoice: endpointChoice(cluster, request.clientIp) } : null },
      );
    }
    const global = table.tlsSettings.globalPassthrough;
    if (!governing && serverName && global && !index.hostChain(serverName).some((v) => v.match !== 'any')) {
      const allowed = global.allowedNames.some((p) => p === serverName || (p.startsWith('*.') && serverName.indexOf('.') > 0 && serverName.slice(serverName.indexOf('.')) === p.slice(1)));
      tls = { serverName, serverNameFrom, governingHost: null, mode: 'global-passthrough', detail: allowed ? `no host claims ${serverName}; global passthrough relays it to ${serverName}:${global.upstreamPort}` : `no host claims ${serverName} and global passthrough does not allow it: the connection is closed`, certificate: null, clientCertificate, misdirected: null };
      return finish(allowed ? { action: 'relayed', status: null, detail: `relayed to ${serverName}:${global.upstreamPort}` } : { action: 'refused', status: null, detail: 'connection closed (name not in the global passthrough allow-list)' });
    }
    const certificate = certificateChoice(view, serverName);
    let misdirected: { status: 421; detail: string } | null = null;
    const requestGoverning = index.tlsHost(host);
    if (requestGoverning !== governing && table.virtualHosts.some((v) => v.tls)) {
      if (requestGoverning?.tls?.mode === 'passthrough') misdirected = { status: 421, detail: `${requestGoverning.host} is a passthrough host and is never served on a connection the proxy terminated for another name` };
      else if (clientPolicyKey(requestGoverning) !== clientPolicyKey(governing)) {
        misdirected = { status: 421, detail: `the Host ${host} is under another client-certificate policy than the SNI ${serverName ?? '(none)'}; the client must open a connection for ${host}` };
      }
    }
    tls = {
      serverName,
      serverNameFrom,
      governingHost: governing?.host ?? null,
      mode: 'terminate',
      detail: governing ? `${governing.host} terminates TLS` : 'no TLS host claims this name: terminated with the default certificate',
      certificate,
      clientCertificate,
      misdirected,
    };
    if (clientCertificate.required) notes.push(`a client certificate issued by ${clientCertificate.caSubjects.join(' | ') || '(unreadable CA bundle)'} within depth ${clientCertificate.verifyDepth} is required; without one the handshake fails`);
    if (misdirected) return finish({ action: 'misdirected', status: 421, detail: misdirected.detail });
  } else {
    const governing = index.tlsHost(host);
    if (governing?.tls) {
      const policy = governing.tls.httpPolicy;
      if (policy === 'redirect') {
        const location = `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${sentPath}${url.search}`;
        httpPolicy = { host: governing.host, policy, outcome: 'redirect', status: 308, location };
        return finish({ action: 'redirect', status: 308, detail: `plain HTTP for the TLS host ${governing.host} is redirected to ${location}` });
      }
      if (policy === 'reject') {
        httpPolicy = { host: governing.host, policy, outcome: 'reject', status: 403, location: null };
        return finish({ action: 'reject', status: 403, detail: `plain HTTP for the TLS host ${governing.host} is refused` });
      }
      httpPolicy = { host: governing.host, policy, outcome: 'served', status: null, location: null };
    }
  }

  const normalized = normalizePath(sentPath);
  if (!normalized.ok) {
    return finish({ action: 'bad-request', status: 400, detail: `Bad Request: ${normalized.reason}` }, { path: { raw: sentPath, ok: false, normalized: null, reason: normalized.reason } });
  }
  const path = normalized.path;
  const pathFacts = { raw: sentPath, ok: true, normalized: path, reason: null };
  const match = index.match(hostHeader, path);
  const chain = index.hostChain(hostHeader).map((v) => v.host);
  const winner: Route | undefined = match?.kind === 'route' ? match.route : undefined;
  const winnerHost = match?.kind === 'route' ? match.vhost.host : undefined;
  const winnerPosition = winnerHost ? chain.indexOf(winnerHost) : chain.length;
  const candidates = index.candidates(hostHeader, path).map((c) => {
    const consulted = chain.indexOf(c.vhost) <= winnerPosition;
    let verdict: Explanation['candidates'][number]['verdict'];
    let why: string;
    if (winner && c.route === winner) {
      verdict = 'chosen';
      why = `${c.reason}; the most specific match of the first consulted host that matched`;
    } else if (!consulted) {
      verdict = 'not-consulted';
      why = `${winnerHost} matched first (exact host, then wildcard, then host-less)`;
    } else if (c.matched) {
      verdict = 'beaten';
      why = c.vhost === winnerHost ? `${c.reason}, but ${describe(winner!)} is longer, or Exact on equal length` : `${c.reason}, but on ${c.vhost}, consulted after ${winnerHost}`;
    } else {
      verdict = 'not-matched';
      why = c.reason;
    }
    return { routeId: c.route.id, virtualHost: c.vhost, path: c.route.path, pathType: c.route.pathType, matched: c.matched, reason: c.reason, verdict, why };
  });
  const fellThrough = chain.slice(0, winnerPosition);
  if (!match) {
    return finish({ action: 'not-found', status: 404, detail: 'Not Found: no route matches this host and path, and there is no default backend' }, {
      path: pathFacts,
      match: { kind: 'none', routeId: null, virtualHost: null, hostMatch: null, path: null, pathType: null, declaredPathType: null, source: null, hostChain: chain, fellThrough: chain },
      candidates,
    });
  }
  const clusterId = match.kind === 'route' ? match.route.clusterId : match.backend.clusterId;
  const matchFacts: Explanation['match'] =
    match.kind === 'route'
      ? { kind: 'route', routeId: match.route.id, virtualHost: match.vhost.host, hostMatch: match.vhost.match, path: match.route.path, pathType: match.route.pathType, declaredPathType: match.route.declaredPathType, source: match.route.source, hostChain: chain, fellThrough }
      : { kind: 'default-backend', routeId: 'default-backend', virtualHost: null, hostMatch: null, path: null, pathType: null, declaredPathType: null, source: match.backend.source, hostChain: chain, fellThrough };
  if (match.kind === 'default') notes.push('no virtual host matched: the default backend serves the request');
  const rewrite = match.kind === 'route' && match.route.rewrite ? { ...match.route.rewrite, input: path, result: applyRewrite(match.route.rewrite, path) } : null;
  const upstreamPath = (rewrite ? rewrite.result : path) + url.search;
  const cluster = clusterSummary(table, clusterId);
  const rest = { path: pathFacts, match: matchFacts, candidates, rewrite, upstreamPath };
  if (!cluster) return finish({ action: 'no-endpoints', status: 503, detail: 'Service Unavailable: the route has no backend cluster' }, rest);
  const withChoice = { ...cluster, endpointChoice: endpointChoice(cluster, request.clientIp) };
  if (cluster.endpoints.ready === 0) {
    return finish({ action: 'no-endpoints', status: 503, detail: `Service Unavailable: ${cluster.id} has no ready endpoint` }, { ...rest, cluster: withChoice });
  }
  if (tls?.mode === 'terminate' && cluster.upstreamTls) notes.push(`the upstream connection uses TLS with SNI ${cluster.upstreamTls.serverName} (${cluster.upstreamTls.verify ? 'verified' : 'not verified'})`);
  return finish({ action: 'proxied', status: null, detail: `forwarded to ${cluster.id} as ${base.request.method} ${upstreamPath}; the status is the upstream's` }, { ...rest, cluster: withChoice });
}

function endpointChoice(cluster: ClusterSummary, clientIp: string | undefined): string {
  if (cluster.lb === 'hashing' || cluster.sessionSticky) {
    const by = cluster.sessionSticky && cluster.lb !== 'hashing' ? 'session stickiness' : 'hashing';
    return clientIp
      ? `${by}: the endpoint is chosen by a consistent hash of the client IP ${clientIp} over the ${cluster.endpoints.ready} ready endpoint(s); the pick itself is made by the proxy's ring and is not computed here`
      : `${by}: the endpoint is chosen by a consistent hash of the client IP over the ${cluster.endpoints.ready} ready endpoint(s)`;
  }
  if (cluster.lb === 'least-work') return `least-work: the ready endpoint with the fewest requests in flight (${cluster.endpoints.ready} ready)`;
  return `round-robin over ${cluster.endpoints.ready} ready endpoint(s)`;
}

const describe = (route: Route): string => `${route.pathType} ${route.path} (${route.id})`;

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The path exactly as written in the URL (WHATWG URL parsing would already resolve `..` and decode nothing else). */
function rawPathOf(url: string): string | undefined {
  const match = /^https?:\/\/[^/?#]*([^?#]*)/i.exec(url);
  if (!match) return undefined;
  return match[1] || '/';
}

import {
  refOf,
  type Cluster,
  type ClusterSnapshot,
  type CompiledConfig,
  type DefaultBackend,
  type Diagnostic,
  type HostMatch,
  type IngressObject,
  type ObjectRef,
  type Route,
  type VirtualHost,
} from '@portico/model';
import { normalizePath, prefixKey } from '@portico/matcher';
import { parseIngressAnnotations, type IngressPolicy } from './annotations.js';
import { BackendCatalog } from './backends.js';
import { ClassSelector } from './classes.js';
import { fieldPath } from './field-path.js';
import { ingressSpecSchema, type IngressBackendSpec, type IngressSpec } from './ingress-schema.js';
import { defaultCompileOptions, type CompileOptions } from './options.js';
import { compareIngressAge } from './ordering.js';
import { sortDiagnostics, sortRoutes, sortVirtualHosts } from './sorting.js';

export interface CompileResult {
  config: CompiledConfig;
  diagnostics: Diagnostic[];
}

interface HostBuilder {
  host: string;
  match: HostMatch;
  /** `Exact:/foo` or `Prefix:/foo` → the route that claimed it first. */
  routes: Map<string, Route>;
}

/**
 * Kubernetes objects in, routing table and diagnostics out. Pure and deterministic: the same snapshot always gives
 * the same table, whatever the order of the objects in it.
 */
export function compile(snapshot: ClusterSnapshot, options: Partial<CompileOptions> = {}): CompileResult {
  const opts = { ...defaultCompileOptions(), ...options };
  const selector = new ClassSelector(snapshot.ingressClasses, opts);
  const catalog = new BackendCatalog(snapshot.services, snapshot.endpointSlices);
  const state = new TableBuilder(catalog);

  const owned = snapshot.ingresses.filter((ing) => selector.owns(ing)).sort(compareIngressAge);
  for (const ingress of owned) state.addIngress(ingress);

  return { config: state.build(), diagnostics: sortDiagnostics(state.diagnostics) };
}

class TableBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly hosts = new Map<string, HostBuilder>();
  private readonly clusters = new Map<string, Cluster>();
  private defaultBackend: DefaultBackend | null = null;

  constructor(private readonly catalog: BackendCatalog) {}

  addIngress(ingress: IngressObject): void {
    const ref = refOf('Ingress', ingress.metadata);
    const parsed = ingressSpecSchema.safeParse(ingress.spec ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        this.diagnostics.push({
          severity: 'error',
          code: 'InvalidIngress',
          message: `${issue.message}; the Ingress is not served until this is fixed`,
          object: ref,
          field: fieldPath(['spec', ...issue.path]),
        });
      }
      return;
    }
    const { policy, diagnostics } = parseIngressAnnotations(ingress.metadata?.annotations, ref);
    this.diagnostics.push(...diagnostics);
    if (policy.failClosed) return;
    this.addRules(parsed.data, ref, policy);
    this.addDefaultBackend(parsed.data, ref, policy);
  }

  private addRules(spec: IngressSpec, ref: ObjectRef, policy: IngressPolicy): void {
    (spec.rules ?? []).forEach((rule, r) => {
      const hostBuilder = this.hostFor(rule.host, ref, `spec.rules[${r}].host`);
      (rule.http?.paths ?? []).forEach((entry, p) => {
        const field = `spec.rules[${r}].http.paths[${p}]`;
        const cluster = this.clusterFor(entry.backend, ref, policy, `${field}.backend`);
        if (!cluster) return;
        const normalized = normalizePath(entry.path ?? '/');
        const basePath = normalized.ok ? normalized.path : '/';
        const pathType = entry.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const route: Route = {
          id: `${ref.namespace}/${ref.name}:r${r}p${p}`,
          path: pathType === 'Prefix' ? prefixKey(basePath) : basePath,
          pathType,
          declaredPathType: entry.pathType,
          clusterId: cluster.id,
          ...(policy.rewrite ? { rewrite: policy.rewrite } : {}),
          source: { ingress: ref, field },
        };
        const key = `${route.pathType}:${route.path}`;
        const winner = hostBuilder.routes.get(key);
        if (winner) {
          this.diagnostics.push({
            severity: 'warning',
            code: 'RouteConflict',
            message: `${route.pathType} ${route.path} on host ${hostBuilder.host} is already defined by Ingress ${winner.source.ingress.namespace}/${winner.source.ingress.name} (${winner.source.field}), which is older or sorts first; this path is ignored`,
            object: ref,
            field,
          });
          return;
        }
        hostBuilder.routes.set(key, route);
      });
    });
  }

  private addDefaultBackend(spec: IngressSpec, ref: ObjectRef, policy: IngressPolicy): void {
    if (!spec.defaultBackend) return;
    const field = 'spec.defaultBackend';
    const cluster = this.clusterFor(spec.defaultBackend, ref, policy, field);
    if (!cluster) return;
    if (this.defaultBackend) {
      const w = this.defaultBackend.source.ingress;
      this.diagnostics.push({
        severity: 'warning',
        code: 'DefaultBackendConflict',
        message: `the default backend is already set by Ingress ${w.namespace}/${w.name}, which is older or sorts first; this one is ignored`,
        object: ref,
        field,
      });
      return;
    }
    this.defaultBackend = { clusterId: cluster.id, source: { ingress: ref, field } };
  }

  private hostFor(rawHost: string | undefined, ref: ObjectRef, field: string): HostBuilder {
    let host = '*';
    let match: HostMatch = 'any';
    if (rawHost !== undefined && rawHost !== '') {
      host = rawHost.toLowerCase();
      match = host.startsWith('*.') ? 'wildcard' : 'exact';
      if (host !== rawHost) {
        this.diagnostics.push({
          severity: 'warning',
          code: 'HostNotLowercase',
          message: `host ${JSON.stringify(rawHost)} is matched as ${JSON.stringify(host)}; Kubernetes requires lower case`,
          object: ref,
          field,
        });
      }
    }
    let builder = this.hosts.get(host);
    if (!builder) {
      builder = { host, match, routes: new Map() };
      this.hosts.set(host, builder);
    }
    return builder;
  }

  private clusterFor(backend: IngressBackendSpec, ref: ObjectRef, policy: IngressPolicy, field: string): Cluster | undefined {
    if (!backend.service) {
      this.diagnostics.push({
        severity: 'warning',
        code: 'UnsupportedBackend',
        message: 'resource backends cannot be proxied to; only service backends are supported, so this path is ignored',
        object: ref,
        field: `${field}.resource`,
      });
      return undefined;
    }
    const { cluster, diagnostics } = this.catalog.resolve(ref.namespace ?? 'default', backend.service, policy, ref, field);
    this.diagnostics.push(...diagnostics);
    const existing = this.clusters.get(cluster.id);
    if (existing) return existing;
    this.clusters.set(cluster.id, cluster);
    return cluster;
  }

  build(): CompiledConfig {
    const virtualHosts: VirtualHost[] = [...this.hosts.values()]
      .filter((h) => h.routes.size > 0)
      .map((h) => ({ host: h.host, match: h.match, routes: sortRoutes([...h.routes.values()]) }));
    const used = new Set<string>(virtualHosts.flatMap((v) => v.routes.map((r) => r.clusterId)));
    if (this.defaultBackend) used.add(this.defaultBackend.clusterId);
    const clusters = [...this.clusters.values()].filter((c) => used.has(c.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { virtualHosts: sortVirtualHosts(virtualHosts), clusters, defaultBackend: this.defaultBackend, certificates: [] };
  }
}

import {
  refOf,
  type Certificate,
  type Cluster,
  type ClusterSnapshot,
  type CompiledConfig,
  type DefaultBackend,
  type Diagnostic,
  type HostMatch,
  type HostTls,
  type IngressObject,
  type ObjectRef,
  type Route,
  type TlsSettings,
  type VirtualHost,
} from '@portico/model';
import { normalizePath, prefixKey } from '@portico/matcher';
import { A, parseIngressAnnotations, type IngressPolicy } from './annotations.js';
import { BackendCatalog, type ClusterPolicy } from './backends.js';
import { ClassSelector } from './classes.js';
import { annotationField, fieldPath } from './field-path.js';
import { certificateCovers, SecretCatalog } from './secrets.js';
import { globalTrustPool, resolveIngressSecurity, type IngressSecurity } from './security.js';
import { resolveTlsSettings } from './settings.js';
import { ingressSpecSchema, type IngressBackendSpec, type IngressSpec } from './ingress-schema.js';
import { defaultCompileOptions, type CompileOptions, type TlsControllerSettings } from './options.js';
import { compareIngressAge } from './ordering.js';
import { collisionDiagnostic, shadowedDefaultBackend, type DeclaredRoute } from './shadowing.js';
import { sortDiagnostics, sortRoutes, sortVirtualHosts } from './sorting.js';

export interface CompileResult {
  config: CompiledConfig;
  diagnostics: Diagnostic[];
}

interface HostBuilder {
  host: string;
  match: HostMatch;
  /** `Exact:/foo` or `Prefix:/foo` → the route that claimed it first. */
  routes: Map<string, DeclaredRoute>;
}

/**
 * Kubernetes objects in, routing table and diagnostics out. Pure and deterministic: the same snapshot always gives
 * the same table, whatever the order of the objects in it.
 */
export function compile(snapshot: ClusterSnapshot, options: Partial<CompileOptions> = {}): CompileResult {
  const opts = { ...defaultCompileOptions(), ...options };
  const selector = new ClassSelector(snapshot.ingressClasses, opts);
  const catalog = new BackendCatalog(snapshot.services, snapshot.endpointSlices);
  const secrets = new SecretCatalog(snapshot.secrets);
  const { settings, diagnostics: settingsDiagnostics } = resolveTlsSettings(opts.tls, opts.settingsConfigMap, snapshot.configMaps ?? []);

  const owned = snapshot.ingresses.filter((ing) => selector.owns(ing)).sort(compareIngressAge);
  const mtlsPool = settings.enabled && settings.mtls ? globalTrustPool(owned, secrets) : null;
  const state = new TableBuilder(catalog, secrets, settings, mtlsPool);
  state.diagnostics.push(...settingsDiagnostics);
  for (const ingress of owned) state.addIngress(ingress);

  return { config: state.build(), diagnostics: sortDiagnostics(state.diagnostics) };
}

class TableBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly hosts = new Map<string, HostBuilder>();
  private readonly clusters = new Map<string, Cluster>();
  private defaultBackend: DefaultBackend | null = null;
  private readonly tlsHosts = new Map<string, { tls: HostTls; owner: ObjectRef }>();
  private readonly certificates = new Map<string, Certificate>();

  constructor(
    private readonly catalog: BackendCatalog,
    private readonly secrets: SecretCatalog,
    private readonly settings: TlsControllerSettings,
    private readonly mtlsPool: string | null,
  ) {}

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
    if (!this.settings.enabled && policy.clientVerification.required) {
      this.diagnostics.push({
        severity: 'error',
        code: 'InvalidAnnotation',
        message: 'client verification needs TLS, which the controller settings turn off; the Ingress is not served until this is fixed (fail closed)',
        object: ref,
        field: annotationField(A.tlsVerifyClient),
      });
      return;
    }
    const resolved = resolveIngressSecurity(parsed.data, policy, ref, this.secrets, this.settings.enabled ? this.mtlsPool : null);
    this.diagnostics.push(...resolved.diagnostics);
    const security = resolved.security;
    if (!security) return;
    if (security.upstream?.clientCertificate) this.certificates.set(security.upstream.clientCertificate.id, security.upstream.clientCertificate);

    const clusterPolicy: ClusterPolicy = { lb: policy.lb, sessionSticky: policy.sessionSticky, protocol: policy.protocol, ...(security.upstream ? { upstream: security.upstream } : {}) };
    const ruleClusters = this.addRules(parsed.data, ref, clusterPolicy, policy);
    this.addDefaultBackend(parsed.data, ref, clusterPolicy);
    // With TLS turned off in the controller settings, no host is TLS: nothing to terminate or pass through.
    if (!this.settings.enabled) return;
    if (policy.passthrough) this.addPassthrough(parsed.data, ref, policy, ruleClusters);
    else this.addTermination(parsed.data, ref, policy, security);
  }

  /** Adds the routes of every rule; returns the cluster of each rule's first path (what passthrough forwards to). */
  private addRules(spec: IngressSpec, ref: ObjectRef, clusterPolicy: ClusterPolicy, policy: IngressPolicy): Map<number, string> {
    const firstCluster = new Map<number, string>();
    (spec.rules ?? []).forEach((rule, r) => {
      const hostBuilder = this.hostFor(rule.host, ref, `spec.rules[${r}].host`);
      (rule.http?.paths ?? []).forEach((entry, p) => {
        const field = `spec.rules[${r}].http.paths[${p}]`;
        const cluster = this.clusterFor(entry.backend, ref, clusterPolicy, `${field}.backend`);
        if (!cluster) return;
        if (!firstCluster.has(r)) firstCluster.set(r, cluster.id);
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
        const claim: DeclaredRoute = { route, rawPath: entry.path ?? '/' };
        const winner = hostBuilder.routes.get(key);
        if (winner) {
          this.diagnostics.push(collisionDiagnostic(claim, winner, hostBuilder.host));
          return;
        }
        hostBuilder.routes.set(key, claim);
      });
    });
    return firstCluster;
  }

  /** `spec.tls`: each listed host (or, with no list, every rule host) is terminated with the Secret's certificate. */
  private addTermination(spec: IngressSpec, ref: ObjectRef, policy: IngressPolicy, security: IngressSecurity): void {
    const ruleHosts = new Set((spec.rules ?? []).flatMap((r) => (r.host ? [r.host.toLowerCase()] : [])));
    (spec.tls ?? []).forEach((entry, t) => {
      let certificate: Certificate | undefined;
      if (!entry.secretName) {
        this.warn(ref, `spec.tls[${t}].secretName`, 'MissingSecretName', 'no secretName: these hosts are served with the default certificate');
      } else {
        const found = this.secrets.certificate(ref.namespace ?? 'default', entry.secretName, ref, `spec.tls[${t}].secretName`);
        this.diagnostics.push(...found.diagnostics);
        certificate = found.certificate;
      }
      const clientAuth = security.clientAuth(t);
      let httpPolicy = policy.httpPolicy ?? this.settings.httpPolicy;
      if (clientAuth && httpPolicy === 'allow') {
        // Plain HTTP would skip the client certificate check entirely.
        httpPolicy = 'reject';
        this.warn(ref, annotationField(A.httpPolicy), 'InsecureHttpPolicy', 'hosts that require client certificates cannot allow plain HTTP; it is rejected (403) instead');
      }
      const hosts = entry.hosts?.length ? entry.hosts.map((h) => h.toLowerCase()) : [...ruleHosts];
      hosts.forEach((host, h) => {
        const field = entry.hosts?.length ? `spec.tls[${t}].hosts[${h}]` : `spec.tls[${t}]`;
        if (!ruleHosts.has(host) && !this.hosts.has(host)) {
          this.warn(ref, field, 'TlsHostWithoutRules', `TLS host ${host} has no rules in any Ingress; requests for it answer 404`);
          return;
        }
        if (certificate && !certificateCovers(certificate.dnsNames, host)) {
          this.warn(ref, field, 'CertificateHostMismatch', `the certificate in Secret ${certificate.id} does not cover ${host} (it covers ${certificate.dnsNames.join(', ') || 'no DNS name'})`);
        }
        const tls: HostTls = { mode: 'terminate', certificateId: certificate?.id ?? null, httpPolicy, ...(clientAuth ? { clientAuth } : {}) };
        if (this.claimTls(host, tls, ref, field) && certificate) {
          this.certificates.set(certificate.id, certificate);
        }
      });
    });
  }

  /** `portico.dev/ssl-passthrough`: each rule host's TLS bytes go, untouched, to the backend of the rule's first path. */
  private addPassthrough(spec: IngressSpec, ref: ObjectRef, policy: IngressPolicy, ruleClusters: Map<number, string>): void {
    const field = annotationField(A.sslPassthrough);
    if (spec.tls?.length) this.warn(ref, 'spec.tls', 'PassthroughIgnoresTls', 'with ssl-passthrough the backend presents its own certificate; spec.tls is not used');
    (spec.rules ?? []).forEach((rule, r) => {
      const clusterId = ruleClusters.get(r);
      if (!rule.host) {
        this.warn(ref, `spec.rules[${r}]`, 'PassthroughNeedsHost', 'passthrough is chosen by SNI, so a rule without a host cannot be passed through');
        return;
      }
      if (!clusterId) return;
      if ((rule.http?.paths.length ?? 0) > 1) {
        this.warn(ref, `spec.rules[${r}].http.paths`, 'PassthroughIgnoresPaths', `passthrough forwards whole connections: every TLS connection for ${rule.host} goes to the first path's backend`, 'info');
      }
      this.claimTls(rule.host.toLowerCase(), { mode: 'passthrough', clusterId, httpPolicy: policy.httpPolicy ?? this.settings.httpPolicy }, ref, field);
    });
  }

  /** The first (oldest) Ingress to claim a host's TLS mode keeps it; later claims get a diagnostic. */
  private claimTls(host: string, tls: HostTls, owner: ObjectRef, field: string): boolean {
    const existing = this.tlsHosts.get(host);
    if (!existing) {
      this.tlsHosts.set(host, { tls, owner });
      return true;
    }
    const same = JSON.stringify(existing.tls) === JSON.stringify(tls);
    if (!same) {
      const o = existing.owner;
      this.warn(owner, field, 'TlsConflict', `TLS for ${host} is already set by Ingress ${o.namespace}/${o.name} (${existing.tls.mode}), which is older or sorts first; this setting is ignored`);
    }
    return same;
  }

  /** The controller's TLS switches for proxies; the default certificate is resolved here, once. */
  private tlsSettings(): TlsSettings {
    const s = this.settings;
    let defaultCertificateId: string | null = null;
    if (s.enabled && s.defaultCertificate) {
      const [namespace, name] = s.defaultCertificate.split('/');
      const settingsRef: ObjectRef = { kind: 'Settings', name: 'tls.defaultCertificate' };
      const found = this.secrets.certificate(namespace, name, settingsRef, 'tls.defaultCertificate');
      this.diagnostics.push(...found.diagnostics);
      if (found.certificate) {
        this.certificates.set(found.certificate.id, found.certificate);
        defaultCertificateId = found.certificate.id;
      }
    }
    return {
      enabled: s.enabled,
      defaultCertificateId,
      globalPassthrough: s.enabled && s.sslPassthrough.enabled ? { upstreamPort: s.sslPassthrough.upstreamPort, allowedNames: [...s.sslPassthrough.allowedNames].sort() } : null,
    };
  }

  private warn(object: ObjectRef, field: string, code: string, message: string, severity: Diagnostic['severity'] = 'warning'): void {
    this.diagnostics.push({ severity, code, message, object, field });
  }

  private addDefaultBackend(spec: IngressSpec, ref: ObjectRef, policy: ClusterPolicy): void {
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

  private clusterFor(backend: IngressBackendSpec, ref: ObjectRef, policy: ClusterPolicy, field: string): Cluster | undefined {
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
      .filter((h) => h.routes.size > 0 || this.tlsHosts.get(h.host)?.tls.mode === 'passthrough')
      .map((h) => {
        const tls = this.tlsHosts.get(h.host)?.tls;
        return { host: h.host, match: h.match, routes: sortRoutes([...h.routes.values()].map((d) => d.route)), ...(tls ? { tls } : {}) };
      });
    const tlsSettings = this.tlsSettings();
    const shadowed = this.defaultBackend && shadowedDefaultBackend(this.defaultBackend, this.hosts.get('*')?.routes.get('Prefix:/')?.route);
    if (shadowed) this.diagnostics.push(shadowed);
    const usedCertificates = new Set<string | null>(virtualHosts.map((v) => (v.tls?.mode === 'terminate' ? v.tls.certificateId : null)));
    usedCertificates.add(tlsSettings.defaultCertificateId);
    const used = new Set<string>(virtualHosts.flatMap((v) => v.routes.map((r) => r.clusterId)));
    if (this.defaultBackend) used.add(this.defaultBackend.clusterId);
    for (const v of virtualHosts) if (v.tls?.mode === 'passthrough') used.add(v.tls.clusterId);
    for (const c of this.clusters.values()) if (used.has(c.id) && c.upstreamTls?.clientCertificateId) usedCertificates.add(c.upstreamTls.clientCertificateId);
    const certificates = [...this.certificates.values()].filter((c) => usedCertificates.has(c.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const clusters = [...this.clusters.values()].filter((c) => used.has(c.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { virtualHosts: sortVirtualHosts(virtualHosts), clusters, defaultBackend: this.defaultBackend, certificates, tlsSettings };
  }
}

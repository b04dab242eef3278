// deploy/: every Kustomize target renders with the real kubectl, and the rendered objects are what deploy/README.md
// promises: ports that agree across flags, containers and Services; a proxy without Kubernetes
// credentials; the API's RBAC exactly as documented; hardened containers; each overlay's settings. Also the
// Dockerfiles' text (no Docker engine here to build them).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOY = resolve(ROOT, 'deploy');
const KUBECTL = '/usr/bin/kubectl';
const NAMESPACE = 'portico';
const UID = 10001;
const GID = 10001;

// ---- the rendered objects ----

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string> | null;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  envFrom?: unknown[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: Resources;
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  [source: string]: unknown;
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext & { fsGroup?: number };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
interface Deployment extends K8sObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: Meta; spec: PodSpec } };
}
interface ServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  nodePort?: number;
  protocol?: string;
}
interface Service extends K8sObject {
  spec: { type: string; selector: Record<string, string>; ports: ServicePort[]; externalTrafficPolicy?: string };
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Binding extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

class Rendered {
  constructor(
    readonly target: string,
    readonly objects: K8sObject[],
  ) {}

  all<T extends K8sObject = K8sObject>(kind: string): T[] {
    return this.objects.filter((o) => o.kind === kind) as T[];
  }

  one<T extends K8sObject = K8sObject>(kind: string, name: string): T {
    const found = this.objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (found.length !== 1) throw new Error(`${this.target}: expected one ${kind} ${name}, found ${found.length}`);
    return found[0] as T;
  }
}

function render(target: string): Rendered {
  const run = spawnSync(KUBECTL, ['kustomize', resolve(DEPLOY, target)], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    throw new Error(`cannot run ${KUBECTL} (${run.error.message}); install kubectl (npm test does, as root: apt-get install kubectl)`);
  }
  if (run.status !== 0) throw new Error(`kubectl kustomize ${target} failed (${run.status}): ${run.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(run.stdout)) {
    if (doc.errors.length) throw new Error(`${target}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return new Rendered(target, objects);
}

// ---- helpers ----

/** `--flag=value` or `--flag value`. */
function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${flag}`) return args[i + 1];
    if (args[i].startsWith(`--${flag}=`)) return args[i].slice(flag.length + 3);
  }
  return undefined;
}

function containerPort(container: Container, ref: number | string): number {
  if (typeof ref === 'number') return ref;
  const port = container.ports?.find((p) => p.name === ref);
  if (!port) throw new Error(`container ${container.name} has no port named ${ref}`);
  return port.containerPort;
}

function env(container: Container, name: string): EnvVar | undefined {
  const found = (container.env ?? []).filter((e) => e.name === name);
  expect(found.length, `env ${name} defined at most once in ${container.name}`).toBeLessThanOrEqual(1);
  return found[0];
}

/** Kubernetes quantities as numbers (cores, bytes), enough to compare a request with its limit. */
function quantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(text));
  if (!match) throw new Error(`not a quantity: ${text}`);
  const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(match[1]) * (match[2] ? scale[match[2]] : 1);
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function onlyContainer(deployment: Deployment): Container {
  expect(deployment.spec.template.spec.containers).toHaveLength(1);
  return deployment.spec.template.spec.containers[0];
}

// ---- what every target must contain, and what differs per target ----

/**
 * The API's permissions, exactly: `group/resource` ("" = core), with `[name]` when the rule is limited to named
 * objects (resourceNames) → verbs.
 */
const CLUSTER_RULES: Record<string, string[]> = {
  'networking.k8s.io/ingressclasses': ['get', 'list', 'watch'],
  'networking.k8s.io/ingresses': ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  'networking.k8s.io/ingresses/status': ['get', 'patch', 'update'],
  '/services': ['get', 'list', 'watch'],
  'discovery.k8s.io/endpointslices': ['get', 'list', 'watch'],
  '/secrets': ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  '/events': ['create', 'get', 'patch'],
};
const NAMESPACE_RULES: Record<string, string[]> = {
  '/configmaps[portico-settings]': ['get', 'list', 'watch'],
  'coordination.k8s.io/leases': ['create'],
  'coordination.k8s.io/leases[portico-leader]': ['get', 'update'],
};
/** `networking.k8s.io/ingresses/status` → `ingresses/status`; `/configmaps[x]` → `configmaps`. */
const resourceOf = (key: string) => key.replace(/\[.*\]$/, '').split('/').slice(1).join('/');

const SETTING_KEYS = [
  'tls.enabled',
  'tls.mTLS',
  'tls.sslPassthrough.enabled',
  'tls.sslPassthrough.upstreamPort',
  'tls.sslPassthrough.allowedNames',
  'tls.defaultCertificate',
];

interface Expected {
  settings: Record<string, string>;
  serviceType: 'LoadBalancer' | 'NodePort';
  nodePorts?: { http: number; https: number };
  proxyReplicas: number;
  apiReplicas: number;
  serviceAnnotations: Record<string, string>;
}

const BASE_SETTINGS = {
  'tls.enabled': 'false',
  'tls.mTLS': 'false',
  'tls.sslPassthrough.enabled': 'false',
  'tls.sslPassthrough.upstreamPort': '443',
  'tls.sslPassthrough.allowedNames': '',
};
const TLS_SETTINGS = { ...BASE_SETTINGS, 'tls.enabled': 'true', 'tls.defaultCertificate': 'portico/portico-default-cert' };
const DNS_ANNOTATION = { 'external-dns.alpha.kubernetes.io/hostname': 'portico.example.com' };

const TARGETS: Record<string, Expected> = {
  base: { settings: BASE_SETTINGS, serviceType: 'LoadBalancer', proxyReplicas: 2, apiReplicas: 2, serviceAnnotations: {} },
  'overlays/tls': { settings: TLS_SETTINGS, serviceType: 'LoadBalancer', proxyReplicas: 3, apiReplicas: 2, serviceAnnotations: DNS_ANNOTATION },
  'overlays/mtls': {
    settings: { ...TLS_SETTINGS, 'tls.mTLS': 'true' },
    serviceType: 'LoadBalancer',
    proxyReplicas: 3,
    apiReplicas: 2,
    serviceAnnotations: DNS_ANNOTATION,
  },
  'overlays/passthrough': {
    settings: {
      ...TLS_SETTINGS,
      'tls.sslPassthrough.enabled': 'true',
      'tls.sslPassthrough.upstreamPort': '443',
      'tls.sslPassthrough.allowedNames': 'httpbin.org, *.example.net',
    },
    serviceType: 'LoadBalancer',
    proxyReplicas: 3,
    apiReplicas: 2,
    serviceAnnotations: DNS_ANNOTATION,
  },
  'overlays/nodeport': {
    settings: TLS_SETTINGS,
    serviceType: 'NodePort',
    nodePorts: { http: 30080, https: 30443 },
    proxyReplicas: 1,
    apiReplicas: 1,
    serviceAnnotations: {},
  },
};

describe.each(Object.entries(TARGETS))('deploy/%s', (target, expected) => {
  let r: Rendered;
  let api: Deployment;
  let proxy: Deployment;
  beforeAll(() => {
    r = render(target);
    api = r.one<Deployment>('Deployment', 'portico-api');
    proxy = r.one<Deployment>('Deployment', 'portico-proxy');
  });

  it('has the namespace, puts every namespaced object in it, and labels everything part-of portico', () => {
    r.one('Namespace', NAMESPACE);
    const clusterScoped = new Set(['Namespace', 'IngressClass', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of r.objects) {
      const id = `${o.kind}/${o.metadata.name}`;
      if (!clusterScoped.has(o.kind)) expect(o.metadata.namespace, id).toBe(NAMESPACE);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], id).toBe('portico');
      expect(o.metadata.labels?.['app.kubernetes.io/name'], id).toBeTruthy();
    }
    for (const d of [api, proxy]) expect(d.spec.template.metadata.labels?.['app.kubernetes.io/part-of']).toBe('portico');
  });

  it('declares the IngressClass portico for controller portico.dev/ingress-controller', () => {
    const classes = r.all('IngressClass');
    expect(classes.map((c) => c.metadata.name)).toEqual(['portico']);
    expect((classes[0] as K8sObject & { spec: { controller: string } }).spec.controller).toBe('portico.dev/ingress-controller');
  });

  it('runs the API on 9090 with in-cluster config, the publish Service, the election namespace and the settings ConfigMap', () => {
    expect(api.spec.replicas).toBe(expected.apiReplicas);
    const c = onlyContainer(api);
    expect(c.image).toMatch(/^portico\/api(:|@|$)/);
    const args = c.args ?? [];
    expect(flagValue(args, 'kubeconfig'), 'in a pod the API uses in-cluster config').toBeUndefined();
    expect(flagValue(args, 'manifests'), 'the cluster, not a directory, is the source').toBeUndefined();
    expect(flagValue(args, 'publish-service')).toBe('portico/portico-proxy');
    expect(flagValue(args, 'election-namespace')).toBe(NAMESPACE);
    expect(flagValue(args, 'settings-configmap')).toBe('portico/portico-settings');
    expect(args.some((a) => /token/i.test(a)), 'tokens never on the command line').toBe(false);

    const admin = Number(flagValue(args, 'admin-port') ?? 9090);
    expect(admin).toBe(9090);
    expect(c.ports?.map((p) => p.containerPort)).toEqual([9090]);
    expect(containerPort(c, c.readinessProbe?.httpGet?.port ?? -1)).toBe(9090);
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(containerPort(c, c.livenessProbe?.httpGet?.port ?? -1)).toBe(9090);
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');

    expect(env(c, 'PORTICO_ADMIN_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'portico-tokens', key: 'admin-token' });
    expect(env(c, 'PORTICO_PROXY_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'portico-tokens', key: 'proxy-token' });
    expect(env(c, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'the leader-election identity').toBe('metadata.name');

    const pod = api.spec.template.spec;
    expect(pod.serviceAccountName).toBe('portico-api');
    expect(pod.automountServiceAccountToken).not.toBe(false);
    expect(selects(api.spec.selector.matchLabels, api.spec.template.metadata.labels)).toBe(true);
  });

  it('exposes the API as the ClusterIP Service portico-api on 9090, which the proxies are pointed at', () => {
    const svc = r.one<Service>('Service', 'portico-api');
    expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(selects(svc.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(selects(svc.spec.selector, proxy.spec.template.metadata.labels)).toBe(false);
    expect(svc.spec.ports.map((p) => [p.port, containerPort(onlyContainer(api), p.targetPort)])).toEqual([[9090, 9090]]);
    expect(flagValue(onlyContainer(proxy).args ?? [], 'api-url')).toBe(`http://portico-api.${NAMESPACE}.svc:9090`);
  });

  it('runs the proxy on 8000/8443/9091, as its flags say, with probes on 9091 and only the proxy token', () => {
    expect(proxy.spec.replicas).toBe(expected.proxyReplicas);
    const c = onlyContainer(proxy);
    expect(c.image).toMatch(/^portico\/proxy(:|@|$)/);
    const args = c.args ?? [];
    expect(flagValue(args, 'http-port')).toBe('8000');
    expect(flagValue(args, 'https-port')).toBe('8443');
    expect(flagValue(args, 'proxy-admin-port')).toBe('9091');
    expect(c.ports?.map((p) => p.containerPort).sort((a, b) => a - b)).toEqual([8000, 8443, 9091]);
    expect(containerPort(c, c.readinessProbe?.httpGet?.port ?? -1)).toBe(9091);
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(containerPort(c, c.livenessProbe?.httpGet?.port ?? -1)).toBe(9091);
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');

    expect(env(c, 'PORTICO_PROXY_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'portico-tokens', key: 'proxy-token' });
    expect(env(c, 'PORTICO_ADMIN_TOKEN'), 'the proxy never holds the admin token').toBeUndefined();
    expect(c.envFrom ?? []).toEqual([]);
    expect(args.some((a) => /token/i.test(a))).toBe(false);
    expect(selects(proxy.spec.selector.matchLabels, proxy.spec.template.metadata.labels)).toBe(true);
  });

  it('keeps the proxy state (last-good.json) and /tmp on emptyDirs, the state in memory', () => {
    const c = onlyContainer(proxy);
    const volumes = new Map((proxy.spec.template.spec.volumes ?? []).map((v) => [v.name, v]));
    const mountedAt = (path: string) => {
      const mount = c.volumeMounts?.find((m) => m.mountPath === path);
      expect(mount, `a volume at ${path}`).toBeDefined();
      return volumes.get(mount!.name);
    };
    const stateDir = flagValue(c.args ?? [], 'state-dir');
    expect(stateDir).toMatch(/^\//);
    expect(mountedAt(stateDir!)?.emptyDir?.medium, 'certificate keys stay off the node disk').toBe('Memory');
    expect(mountedAt('/tmp')?.emptyDir).toBeDefined();
    const apiMount = onlyContainer(api).volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(api.spec.template.spec.volumes?.find((v) => v.name === apiMount?.name)?.emptyDir).toBeDefined();
  });

  it('gives the proxy no Kubernetes credentials: no token mounted, its own ServiceAccount, bound to nothing', () => {
    const pod = proxy.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('portico-proxy');
    expect(r.one('ServiceAccount', 'portico-proxy')['automountServiceAccountToken']).toBe(false);
    expect(pod.volumes?.some((v) => 'projected' in v || 'secret' in v), 'no Secret or projected token volume').toBe(false);
    const bindings = [...r.all<Binding>('RoleBinding'), ...r.all<Binding>('ClusterRoleBinding')];
    for (const b of bindings) {
      for (const s of b.subjects ?? []) {
        expect(s.kind === 'ServiceAccount' && s.name === 'portico-proxy', `${b.kind}/${b.metadata.name} names the proxy`).toBe(false);
      }
    }
  });

  it("grants the API exactly the documented verbs: no wildcards, no extras, no one else bound", () => {
    const flatten = (roles: (K8sObject & { rules?: PolicyRule[] })[]) => {
      const out: Record<string, string[]> = {};
      for (const role of roles) {
        for (const rule of role.rules ?? []) {
          expect(rule.nonResourceURLs, `${role.metadata.name}: no non-resource URLs`).toBeUndefined();
          for (const field of [rule.apiGroups ?? [], rule.resources ?? [], rule.verbs, rule.resourceNames ?? []]) expect(field).not.toContain('*');
          const names = rule.resourceNames?.length ? `[${[...rule.resourceNames].sort().join(',')}]` : '';
          for (const group of rule.apiGroups ?? []) {
            for (const resource of rule.resources ?? []) {
              const key = `${group}/${resource}${names}`;
              out[key] = [...new Set([...(out[key] ?? []), ...rule.verbs])].sort();
            }
          }
        }
      }
      return out;
    };
    const clusterRoles = r.all('ClusterRole');
    const roles = r.all('Role');
    expect(clusterRoles.map((x) => x.metadata.name)).toEqual(['portico-api']);
    expect(roles.map((x) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual([`${NAMESPACE}/portico-api`]);
    expect(flatten(clusterRoles)).toEqual(CLUSTER_RULES);
    expect(flatten(roles)).toEqual(NAMESPACE_RULES);

    const apiSubject = [{ kind: 'ServiceAccount', name: 'portico-api', namespace: NAMESPACE }];
    const crbs = r.all<Binding>('ClusterRoleBinding');
    expect(crbs.map((b) => [b.roleRef.kind, b.roleRef.name, b.subjects])).toEqual([['ClusterRole', 'portico-api', apiSubject]]);
    // The names in resourceNames are the objects the API really uses.
    const settingsRef = flagValue(onlyContainer(api).args ?? [], 'settings-configmap');
    expect(`${roles[0].metadata.namespace}/portico-settings`).toBe(settingsRef);
    r.one('ConfigMap', 'portico-settings');
    expect(roles[0].metadata.namespace).toBe(flagValue(onlyContainer(api).args ?? [], 'election-namespace'));
    const elector = readFileSync(resolve(ROOT, 'apps/api/src/leader/leader-elector.ts'), 'utf8');
    expect(/LEASE_NAME = '([^']+)'/.exec(elector)?.[1], 'the Lease the API elects its leader on').toBe('portico-leader');

    const rbs = r.all<Binding>('RoleBinding');
    expect(rbs.map((b) => [b.metadata.namespace, b.roleRef.kind, b.roleRef.name, b.subjects])).toEqual([
      [NAMESPACE, 'Role', 'portico-api', apiSubject],
    ]);
  });

  it('hardens every container: non-root fixed UID/GID, read-only root, no escalation, no capabilities, RuntimeDefault seccomp, resources', () => {
    for (const d of r.all<Deployment>('Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
      expect(pod.hostIPC ?? false).toBe(false);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const id = `${d.metadata.name}/${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot, id).toBe(true);
        expect(sc.runAsUser ?? pod.securityContext?.runAsUser, id).toBe(UID);
        expect(sc.runAsGroup ?? pod.securityContext?.runAsGroup, id).toBe(GID);
        expect(sc.readOnlyRootFilesystem, id).toBe(true);
        expect(sc.allowPrivilegeEscalation, id).toBe(false);
        expect(sc.privileged ?? false, id).toBe(false);
        expect(sc.capabilities?.drop, id).toEqual(['ALL']);
        expect(sc.capabilities?.add ?? [], id).toEqual([]);
        expect(sc.seccompProfile?.type, id).toBe('RuntimeDefault');
        for (const resource of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[resource];
          const limit = c.resources?.limits?.[resource];
          expect(request, `${id} requests ${resource}`).toBeDefined();
          expect(limit, `${id} limits ${resource}`).toBeDefined();
          expect(quantity(request!), `${id} ${resource} request <= limit`).toBeLessThanOrEqual(quantity(limit!));
        }
      }
    }
  });

  it(`exposes the proxy as a ${expected.serviceType} Service: 80 → 8000 (http), 443 → 8443 (https)`, () => {
    const svc = r.one<Service>('Service', 'portico-proxy');
    const c = onlyContainer(proxy);
    expect(svc.spec.type).toBe(expected.serviceType);
    expect(selects(svc.spec.selector, proxy.spec.template.metadata.labels)).toBe(true);
    expect(selects(svc.spec.selector, api.spec.template.metadata.labels)).toBe(false);
    const byName = Object.fromEntries(svc.spec.ports.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['http', 'https']);
    expect([byName.http.port, containerPort(c, byName.http.targetPort)]).toEqual([80, 8000]);
    expect([byName.https.port, containerPort(c, byName.https.targetPort)]).toEqual([443, 8443]);
    expect(svc.spec.externalTrafficPolicy, 'the client IP reaches the proxy (hashing, stickiness)').toBe('Local');
    expect(svc.metadata.annotations ?? {}).toEqual(expected.serviceAnnotations);

    if (expected.nodePorts) {
      expect([byName.http.nodePort, byName.https.nodePort]).toEqual([expected.nodePorts.http, expected.nodePorts.https]);
    } else {
      expect(svc.spec.ports.every((p) => p.nodePort === undefined)).toBe(true);
    }
    // Plain-HTTP redirects must name the HTTPS port clients actually reach.
    const reached = expected.nodePorts?.https ?? byName.https.port;
    expect(env(c, 'PORTICO_PUBLIC_HTTPS_PORT')?.value ?? flagValue(c.args ?? [], 'public-https-port')).toBe(String(reached));
  });

  it("carries this target's controller settings in portico-settings, and only known keys", () => {
    const cm = r.one<K8sObject & { data?: Record<string, string> }>('ConfigMap', 'portico-settings');
    const data = cm.data ?? {};
    for (const key of Object.keys(data)) expect(SETTING_KEYS, `unknown setting ${key}`).toContain(key);
    expect(data).toEqual(expected.settings);
    for (const name of (data['tls.sslPassthrough.allowedNames'] ?? '').split(/[\s,]+/).filter(Boolean)) {
      expect(name, 'an exact DNS name or *.suffix').toMatch(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/);
    }
  });
});

describe('deploy/base/api-rbac.yaml and deploy/README.md', () => {
  it('give a reason beside every rule, and the README names every granted resource', () => {
    const lines = readFileSync(resolve(DEPLOY, 'base/api-rbac.yaml'), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*- apiGroups:/.test(line)) expect(lines[i - 1], `a comment above line ${i + 1}`).toMatch(/^\s*#\s*\S/);
    });
    const readme = readFileSync(resolve(DEPLOY, 'README.md'), 'utf8');
    for (const key of [...Object.keys(CLUSTER_RULES), ...Object.keys(NAMESPACE_RULES)]) {
      expect(readme, `README explains ${key}`).toContain(`\`${resourceOf(key)}\``);
    }
  });
});

// ---- Dockerfiles ----

interface Instruction {
  keyword: string;
  rest: string;
}

/** Instructions (continuations joined, comments dropped), split into stages at each FROM. */
function dockerStages(file: string): Instruction[][] {
  const text = readFileSync(resolve(DEPLOY, 'docker', file), 'utf8');
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (!current && /^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) current += line.slice(0, -1) + ' ';
    else {
      current += line;
      if (current.trim()) logical.push(current.trim());
      current = '';
    }
  }
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { keyword: keyword.toUpperCase(), rest };
    if (instruction.keyword === 'FROM') stages.push([]);
    expect(stages.length, `${file}: ${keyword} before the first FROM`).toBeGreaterThan(0);
    stages[stages.length - 1].push(instruction);
  }
  return stages;
}

describe.each([
  { file: 'api.Dockerfile', project: '@portico/api', main: 'apps/api/dist/main.js', ports: [9090] },
  { file: 'proxy.Dockerfile', project: '@portico/proxy', main: 'apps/proxy/dist/main.js', ports: [8000, 8443, 9091] },
])('deploy/docker/$file', ({ file, project, main, ports }) => {
  let stages: Instruction[][];
  let final: Instruction[];
  const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
  beforeAll(() => {
    stages = dockerStages(file);
    final = stages[stages.length - 1];
  });

  it('builds in a node 24 stage: npm ci, the Nx build of the project, dev dependencies dropped', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0][0].rest).toMatch(/^node:24-bookworm-slim\s+AS\s+\S+$/i);
    const runs = stages.slice(0, -1).flat().filter((i) => i.keyword === 'RUN').map((i) => i.rest).join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(new RegExp(`npx nx run-many -t build -p [^\\n]*${project.replace('/', '\\/')}`));
    expect(runs).toMatch(/npm prune --omit=dev|npm ci [^\n]*--omit=dev/);
  });

  it('runs on a node 24 runtime image as a numeric non-root user matching the security context', () => {
    expect(final[0].rest).toMatch(/^(node:24-bookworm-slim|gcr\.io\/distroless\/nodejs24\S*)(\s+AS\s+\S+)?$/i);
    expect(all(final, 'COPY').some((i) => /--from=/.test(i.rest)), 'copies the build stage output').toBe(true);
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThanOrEqual(1);
    const user = users[users.length - 1].rest.trim();
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(uid).toBe(UID);
    if (gid !== undefined) expect(gid).toBe(GID);
  });

  it(`starts with ENTRYPOINT ["node", "${main}"] in exec form and exposes ${ports.join(', ')}`, () => {
    const entrypoints = all(final, 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    expect(JSON.parse(entrypoints[0].rest)).toEqual(['node', main]);
    expect(all(final, 'CMD').every((i) => i.rest.trim().startsWith('['))).toBe(true);
    const exposed = all(final, 'EXPOSE').flatMap((i) => i.rest.split(/\s+/)).map((p) => Number(p.replace(/\/tcp$/, '')));
    expect(exposed.sort((a, b) => a - b)).toEqual([...ports].sort((a, b) => a - b));
  });
});

describe('.dockerignore', () => {
  it('keeps local installs, build output and state out of the build context', () => {
    const patterns = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const name of ['node_modules', 'dist', '.portico', 'test-results', '.nx']) {
      expect(patterns.some((p) => p === name || p === `**/${name}`), name).toBe(true);
    }
  });
});

import { performance } from 'node:perf_hooks';
import { defaultCompileOptions, parseObjectRef, type CompileOptions } from '@portico/compiler';
import type {
  ClusterSnapshot,
  ConfigMapObject,
  Diagnostic,
  EndpointSliceObject,
  IngressClassObject,
  IngressObject,
  KubeObject,
  SecretObject,
  ServiceObject,
} from '@portico/model';
import type { Logger } from '../../logging/logger.js';
import type { ConfigSource, SourceChangeListener, SourceLocation, SourceStatus } from '../config-source.js';
import { NotFoundError } from '../write-errors.js';
import { describeError, type KubeClient } from './kube-client.js';
import { DEFAULT_BACKOFF, ResourceInformer, type Backoff, type InformerListener, type InformerSpec } from './resource-informer.js';
import { keyOf, RESOURCES, resourcePath, type ResourceType } from './resources.js';
import { TLS_SECRET_TYPE } from '../file-store/manifest-writer.js';
import { referencedSecrets, secretForCompiler, secretStub } from './secret-references.js';

export interface KubernetesSourceOptions {
  client: KubeClient;
  logger: Logger;
  /** The compiler's options: which Ingresses are ours (for the Secret filter) and the settings ConfigMap. */
  compileOptions: Partial<CompileOptions>;
  /** Watch only these namespaces (IngressClasses, cluster-scoped, and the settings ConfigMap are always watched). */
  watchNamespaces?: string[];
  /** Services watched even outside `watchNamespaces`, by `namespace/name` (the publish Service). */
  extraServices?: string[];
  /** Events closer together than this make one change. Default 10 ms. */
  debounceMs?: number;
  backoff?: Backoff;
}

type Role = 'ingressClasses' | 'ingresses' | 'services' | 'endpointSlices' | 'secrets' | 'configMaps';

export const KUBERNETES_UNAVAILABLE = 'KubernetesUnavailable';

/**
 * A config source that lists and watches a cluster. Readiness (`start()` resolving) means every informer has
 * completed its first list; after that an outage never empties anything: the last known objects stay, the problem
 * shows as a `KubernetesUnavailable` diagnostic, and it clears when the API server answers again.
 *
 * Secrets: the informer caches keep only stubs (name, namespace, uid, resourceVersion, type) of every Secret, plus
 * the certificates of `kubernetes.io/tls` Secrets (never their keys), so the certificates API lists every TLS Secret
 * in the watched namespaces as the file store does; the data is kept only for Secrets an owned Ingress or the
 * settings reference, and only that reaches the compiler. A Secret that becomes referenced after
 * it was seen is fetched with one GET. The Secret informers start after the Ingresses are listed, so in the usual
 * case the first list already keeps what is needed.
 */
export class KubernetesSource implements ConfigSource {
  readonly loadsInBackground = true;
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly compileOptions: CompileOptions;
  private readonly debounceMs: number;
  private readonly informers = new Map<Role, ResourceInformer[]>();
  private readonly listeners = new Set<SourceChangeListener>();
  private readonly waiters = new Set<() => void>();
  /** Full copies of the referenced Secrets, by `namespace/name`. */
  private readonly secretData = new Map<string, SecretObject>();
  private referenced = new Set<string>();
  private referencesDirty = true;
  private readonly fetching = new Set<string>();
  /** A change is waiting for the fetches in `fetching` to settle. */
  private changeAfterFetch = false;
  private loaded = false;
  private stopped = true;
  private changeTimer: NodeJS.Timeout | undefined;
  private firstChangeAt: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unavailable: Diagnostic | undefined;

  constructor(options: KubernetesSourceOptions) {
    this.client = options.client;
    this.logger = options.logger.child({ component: 'kubernetes-source' });
    this.compileOptions = { ...defaultCompileOptions(), ...options.compileOptions };
    this.debounceMs = options.debounceMs ?? 10;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    const namespaces: Array<string | undefined> = options.watchNamespaces?.length ? [...new Set(options.watchNamespaces)] : [undefined];
    const listener = this.informerListener();
    const make = (spec: InformerSpec) => new ResourceInformer(spec, this.client, this.client.config, listener, this.logger, backoff);
    const perNamespace = (resource: ResourceType, transform?: InformerSpec['transform']) =>
      namespaces.map((namespace) => make({ resource, ...(namespace ? { namespace } : {}), ...(transform ? { transform } : {}) }));

    this.informers.set('ingressClasses', [make({ resource: RESOURCES.IngressClass })]);
    this.informers.set('ingresses', perNamespace(RESOURCES.Ingress));
    const services = perNamespace(RESOURCES.Service);
    for (const ref of options.extraServices ?? []) {
      const parsed = parseObjectRef(ref, 'default');
      if (!parsed || namespaces.includes(undefined) || namespaces.includes(parsed.namespace)) continue;
      services.push(make({ resource: RESOURCES.Service, namespace: parsed.namespace, fieldSelector: `metadata.name=${parsed.name}` }));
    }
    this.informers.set('services', services);
    this.informers.set('endpointSlices', perNamespace(RESOURCES.EndpointSlice));
    this.informers.set('secrets', perNamespace(RESOURCES.Secret, (secret) => this.filterSecret(secret as SecretObject)));
    const settings = this.compileOptions.settingsConfigMap ? parseObjectRef(this.compileOptions.settingsConfigMap, 'default') : undefined;
    this.informers.set('configMaps', settings ? [make({ resource: RESOURCES.ConfigMap, namespace: settings.namespace, fieldSelector: `metadata.name=${settings.name}` })] : []);
  }

  /** Resolves once every informer has listed (or once stopped). Secrets are listed after Ingresses and classes. */
  async start(): Promise<void> {
    this.stopped = false;
    const firstPhase = this.all().filter((informer) => !this.of('secrets').includes(informer));
    this.logger.info({ server: this.client.server, informers: this.all().map((i) => i.label) }, 'listing and watching the cluster');
    for (const informer of firstPhase) informer.start();
    await this.until(() => firstPhase.every((informer) => informer.synced));
    if (this.stopped) return;
    this.updateReferences();
    for (const informer of this.of('secrets')) informer.start();
    await this.until(() => this.all().every((informer) => informer.synced));
    if (this.stopped) return;
    this.loaded = true;
    this.logger.info({ objects: this.all().reduce((sum, informer) => sum + informer.objects().length, 0), secretsKept: this.secretData.size }, 'cluster objects loaded');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.loaded = false;
    clearTimeout(this.changeTimer);
    clearTimeout(this.retryTimer);
    this.changeTimer = undefined;
    this.wake();
    await Promise.all(this.all().map((informer) => informer.stop()));
  }

  snapshot(): ClusterSnapshot {
    this.updateReferences();
    return {
      ingressClasses: this.objectsOf<IngressClassObject>('ingressClasses'),
      ingresses: this.objectsOf<IngressObject>('ingresses'),
      services: this.objectsOf<ServiceObject>('services'),
      endpointSlices: this.objectsOf<EndpointSliceObject>('endpointSlices'),
      secrets: [...this.secretData.values(), ...this.unreferencedCertificates()],
      configMaps: this.objectsOf<ConfigMapObject>('configMaps'),
    };
  }

  diagnostics(): Diagnostic[] {
    return this.unavailable ? [this.unavailable] : [];
  }

  /** Cluster objects come from no file: diagnostics name the object and the field only. */
  locate(): SourceLocation | undefined {
    return undefined;
  }

  onChange(listener: SourceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A Service from the cache (the publish Service), wherever it is watched. */
  service(namespace: string, name: string): ServiceObject | undefined {
    for (const informer of this.of('services')) {
      if (informer.spec.namespace !== undefined && informer.spec.namespace !== namespace) continue;
      const found = informer.get(namespace, name);
      if (found) return found as ServiceObject;
    }
    return undefined;
  }

  /** True once every informer has listed, until stopped. */
  isSynced(): boolean {
    return this.loaded;
  }

  status(): SourceStatus {
    const secretObjects = this.of('secrets').reduce((sum, informer) => sum + informer.objects().length, 0);
    return {
      kind: 'kubernetes',
      location: this.client.server,
      synced: this.loaded,
      resources: this.all().map((informer) => ({
        resource: informer.spec.fieldSelector ? `${informer.spec.resource.plural} (${informer.spec.fieldSelector})` : informer.spec.resource.plural,
        namespace: informer.spec.namespace ?? null,
        synced: informer.synced,
        objects: informer.objects().length,
        error: informer.error ?? null,
      })),
      secrets: { kept: this.secretData.size, ignored: Math.max(0, secretObjects - this.secretData.size) },
    };
  }

  private informerListener(): InformerListener {
    return {
      changed: (informer, verb, object) => {
        const role = this.roleOf(informer);
        if (role === 'ingresses' || role === 'ingressClasses' || role === 'configMaps') this.referencesDirty = true;
        if (role === 'secrets') {
          // Secrets nobody references (service account tokens, Helm releases …) change nothing: no recompile. A TLS
          // Secret changes the certificates list, which is read from the compiled snapshot.
          const key = keyOf(object.metadata);
          const dropped = verb === 'delete' && this.secretData.delete(key);
          const relevant = dropped || this.referenced.has(key) || object.type === TLS_SECRET_TYPE;
          if (!relevant) return;
        }
        this.changed();
      },
      synced: () => this.wake(),
      failed: () => this.updateAvailability(),
      recovered: () => this.updateAvailability(),
    };
  }

  /** The Secret informers' transform: keep the data aside when referenced, and give the cache only a stub. */
  private filterSecret(secret: SecretObject): KubeObject {
    const key = keyOf(secret.metadata);
    if (this.isReferenced(key)) this.secretData.set(key, secretForCompiler(secret));
    else this.secretData.delete(key);
    return secretStub(secret);
  }

  private isReferenced(key: string): boolean {
    this.updateReferences();
    return this.referenced.has(key);
  }

  /** Recomputes the referenced set after Ingresses, classes or settings changed; drops and fetches accordingly. */
  private updateReferences(): void {
    if (!this.referencesDirty) return;
    this.referencesDirty = false;
    const settings = this.objectsOf<ConfigMapObject>('configMaps')[0];
    this.referenced = referencedSecrets(this.objectsOf('ingresses'), this.objectsOf('ingressClasses'), this.compileOptions, settings);
    for (const key of this.secretData.keys()) if (!this.referenced.has(key)) this.secretData.delete(key);
    for (const key of this.referenced) {
      if (this.secretData.has(key) || this.fetching.has(key)) continue;
      const [namespace, name] = key.split('/') as [string, string];
      const stub = this.secretStubOf(namespace, name);
      if (stub) this.fetchSecret(namespace, name, stub.metadata?.uid);
    }
  }

  /**
   * The TLS Secrets' public stubs, for listing. A referenced one is left out even while its data is being fetched:
   * the compiler must never see a Secret without its key.
   */
  private unreferencedCertificates(): SecretObject[] {
    return this.objectsOf<SecretObject>('secrets').filter((stub) => stub.type === TLS_SECRET_TYPE && !this.referenced.has(keyOf(stub.metadata)));
  }

  private secretStubOf(namespace: string, name: string): KubeObject | undefined {
    for (const informer of this.of('secrets')) {
      if (informer.spec.namespace !== undefined && informer.spec.namespace !== namespace) continue;
      const found = informer.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  /** A Secret seen (as a stub) before anything referenced it: one GET for its data. */
  private fetchSecret(namespace: string, name: string, uid: string | undefined): void {
    const key = `${namespace}/${name}`;
    this.fetching.add(key);
    this.client
      // Bounded: changes wait for this fetch (see emitChange).
      .get<SecretObject>(resourcePath(RESOURCES.Secret, namespace, name), { timeoutMs: 5_000 })
      .then(
        (secret) => {
          // Keep it only if still wanted, not superseded by a watch event meanwhile, and not deleted meanwhile.
          const current = this.secretStubOf(namespace, name);
          if (this.stopped || !this.referenced.has(key) || this.secretData.has(key) || !current) return;
          if (current.metadata?.uid !== secret.metadata?.uid || (uid && uid !== secret.metadata?.uid)) return;
          this.secretData.set(key, secretForCompiler(secret));
          this.changed();
        },
        (error: unknown) => {
          if (error instanceof NotFoundError || this.stopped) return;
          this.logger.warn({ secret: key, error: describeError(error) }, 'fetching a newly referenced Secret failed; retrying');
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => {
            this.referencesDirty = true;
            this.changed();
          }, 1000);
          this.retryTimer.unref();
        },
      )
      .finally(() => {
        this.fetching.delete(key);
        if (this.fetching.size === 0 && this.changeAfterFetch) {
          this.changeAfterFetch = false;
          this.changed();
        }
      });
  }

  /**
   * One diagnostic per outage, worded after its first failure so that it stays the same while informers fail and
   * recover one by one (which resources are failing right now is in `status()`); cleared when all answer again.
   */
  private updateAvailability(): void {
    const failing = this.all().filter((informer) => informer.error !== undefined);
    if (failing.length === 0) {
      if (!this.unavailable) return;
      this.unavailable = undefined;
      this.logger.info('the Kubernetes API answers again; watching everything');
      this.changed();
      return;
    }
    if (this.unavailable) return;
    const first = failing[0]!;
    this.unavailable = {
      severity: 'error',
      code: KUBERNETES_UNAVAILABLE,
      message: `watching the Kubernetes API at ${this.client.server} failed (${first.label}: ${first.error}); the last known objects stay in use and the watches restart on their own`,
    };
    this.logger.warn({ resource: first.label, error: first.error }, 'the Kubernetes API is unavailable; serving the last known objects');
    this.changed();
  }

  /** Coalesces events into one change, dated by the first: the window is fixed, so a stream of events cannot delay it. */
  private changed(): void {
    if (!this.loaded) return;
    this.firstChangeAt ??= performance.now();
    this.changeTimer ??= setTimeout(() => this.emitChange(), this.debounceMs);
  }

  private emitChange(): void {
    this.changeTimer = undefined;
    if (!this.loaded) return;
    // A Secret that just became referenced is being fetched: wait for it, so that no table goes out in which a TLS
    // host briefly falls back to the default certificate. The fetch re-arms the change when it settles.
    this.updateReferences();
    if (this.fetching.size > 0) {
      this.changeAfterFetch = true;
      return;
    }
    const detectedAt = this.firstChangeAt ?? performance.now();
    this.firstChangeAt = undefined;
    for (const listener of this.listeners) listener({ detectedAt });
  }

  private until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.stopped && !condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private all(): ResourceInformer[] {
    return [...this.informers.values()].flat();
  }

  private of(role: Role): ResourceInformer[] {
    return this.informers.get(role) ?? [];
  }

  private roleOf(informer: ResourceInformer): Role | undefined {
    for (const [role, list] of this.informers) if (list.includes(informer)) return role;
    return undefined;
  }

  private objectsOf<T extends KubeObject>(role: Role): T[] {
    return this.of(role).flatMap((informer) => informer.objects() as T[]);
  }
}

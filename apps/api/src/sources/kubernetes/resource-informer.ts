import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '@portico/model';
import type { Logger } from '../../logging/logger.js';
import { describeError, type KubeClient } from './kube-client.js';
import { resourcePath, type ResourceType } from './resources.js';

export interface Backoff {
  /** First restart delay after a failure; doubles on each further failure. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 5000 };

export interface InformerSpec {
  resource: ResourceType;
  /** Only this namespace; unset: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  /** e.g. `metadata.name=portico-settings`: applied to the list and to the watch. */
  fieldSelector?: string;
  /** Applied to every object before the cache sees it (list items and watch events): what it returns is kept. */
  transform?: (object: KubeObject) => KubeObject;
}

export interface InformerListener {
  changed(informer: ResourceInformer, verb: 'add' | 'update' | 'delete', object: KubeObject): void;
  /** The first list has been applied to the cache. */
  synced(informer: ResourceInformer): void;
  /** A failure stopped the informer; it restarts on its own after a backoff. */
  failed(informer: ResourceInformer, error: unknown): void;
  /** A request succeeded again after `failed`. */
  recovered(informer: ResourceInformer): void;
}

/**
 * One list+watch of one resource (in one namespace), on client-node's `ListWatch`, made to survive:
 *
 * - a watch that ends or times out resumes from the last resourceVersion, and a 410 relists: client-node does both;
 * - any other failure (`error` event: 5xx, refused connection, reset stream …) makes client-node stop for good, so it
 *   is restarted here after a backoff (200 ms doubling to 5 s, reset by the next success); `start()` again resumes
 *   from the resourceVersion it had, without a relist;
 * - `stop()` fires an `error` too (an AbortError): a stopping flag keeps that from restarting anything, and an
 *   in-flight list is aborted, or client-node would open a watch after its own stop.
 *
 * `ListWatch` is used directly rather than `makeInformer` (which builds the same object) because a field selector and a
 * transforming watch can only be given to its constructor.
 */
export class ResourceInformer {
  readonly label: string;
  private readonly cache: ListWatch<KubernetesObject>;
  private readonly logger: Logger;
  private readonly transform: (object: KubeObject) => KubeObject;
  private stopping = true;
  private listedOnce = false;
  private isSynced = false;
  private lastError: string | undefined;
  private delayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private listAbort: AbortController | undefined;

  constructor(
    readonly spec: InformerSpec,
    private readonly client: KubeClient,
    config: KubeConfig,
    private readonly listener: InformerListener,
    logger: Logger,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {
    this.label = spec.namespace ? `${spec.resource.plural} in ${spec.namespace}` : spec.resource.plural;
    this.logger = logger.child({ resource: spec.resource.plural, ...(spec.namespace ? { namespace: spec.namespace } : {}) });
    this.transform = spec.transform ?? ((object) => object);
    this.delayMs = backoff.initialMs;
    const path = resourcePath(spec.resource, spec.namespace);
    this.cache = new ListWatch<KubernetesObject>(path, this.watcher(new Watch(config)), () => this.list(path), false, undefined, spec.fieldSelector);
    this.cache.on('add', (object) => this.listener.changed(this, 'add', object as KubeObject));
    this.cache.on('update', (object) => this.listener.changed(this, 'update', object as KubeObject));
    this.cache.on('delete', (object) => this.listener.changed(this, 'delete', object as KubeObject));
    this.cache.on('error', (error) => this.failed(error));
  }

  get synced(): boolean {
    return this.isSynced;
  }

  /** The failure the informer is recovering from, if any. */
  get error(): string | undefined {
    return this.lastError;
  }

  objects(): KubeObject[] {
    return this.cache.list() as unknown as KubeObject[];
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(name, namespace) as unknown as KubeObject | undefined;
  }

  /** Starts listing and watching in the background; `synced` (and the listener) say when the first list is in. */
  start(): void {
    if (!this.stopping) return;
    this.stopping = false;
    this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.listAbort?.abort();
    await this.cache.stop();
  }

  private run(): void {
    // start() rejects only when the watch cannot even be set up (e.g. an unreadable token file).
    this.cache.start().catch((error: unknown) => this.failed(error));
  }

  private async list(path: string): Promise<KubernetesListObject<KubernetesObject>> {
    const abort = new AbortController();
    this.listAbort = abort;
    const list = await this.client.list(path, { query: { fieldSelector: this.spec.fieldSelector }, signal: abort.signal });
    this.listedOnce = true;
    this.succeeded();
    return { ...list, items: list.items.map((item) => this.transform(item)) } as unknown as KubernetesListObject<KubernetesObject>;
  }

  /** client-node's Watch, with success tracking, the transform, and no new watch once stopping. */
  private watcher(watch: Watch): Watch {
    const wrapped = {
      watch: async (
        path: string,
        query: Record<string, string | number | boolean | undefined>,
        callback: (phase: string, object: any, raw: any) => void,
        done: (error: any) => void,
      ): Promise<AbortController> => {
        if (this.stopping) return new AbortController();
        // client-node calls watch() right after it applied a list to its cache.
        if (this.listedOnce && !this.isSynced) {
          this.isSynced = true;
          this.listener.synced(this);
        }
        let failed = false;
        const controller = await watch.watch(
          path,
          query,
          (phase, object, raw) => {
            if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
              this.succeeded();
              callback(phase, object && typeof object === 'object' ? this.transform(object as KubeObject) : object, raw);
            } else {
              if (phase === 'BOOKMARK') this.succeeded();
              callback(phase, object, raw);
            }
          },
          (error: unknown) => {
            if (error) failed = true;
            done(error);
          },
        );
        if (this.stopping) controller.abort();
        else if (!failed) this.succeeded();
        return controller;
      },
    };
    return wrapped as unknown as Watch;
  }

  private succeeded(): void {
    this.delayMs = this.backoff.initialMs;
    if (this.lastError === undefined) return;
    this.lastError = undefined;
    this.logger.debug('listing or watching works again');
    this.listener.recovered(this);
  }

  private failed(error: unknown): void {
    if (this.stopping || this.restartTimer) return;
    const first = this.lastError === undefined;
    this.lastError = describeError(error);
    const delayMs = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    // The source logs the outage once; each informer's own failures are details.
    this.logger.debug({ error: this.lastError, retryInMs: delayMs, first }, 'list/watch failed; restarting after a backoff');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.run();
    }, delayMs);
    this.restartTimer.unref();
    this.listener.failed(this, error);
  }
}

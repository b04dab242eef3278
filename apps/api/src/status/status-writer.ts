import { ClassSelector, defaultCompileOptions, type CompileOptions } from '@portico/compiler';
import type { ClusterSnapshot, IngressObject, ServiceObject } from '@portico/model';
import type { Logger } from '../logging/logger.js';
import { CoalescingRunner } from '../shared/coalescing-runner.js';
import { describeError, type KubeClient } from '../sources/kubernetes/kube-client.js';
import { keyOf, RESOURCES, resourcePath } from '../sources/kubernetes/resources.js';
import { NotFoundError } from '../sources/write-errors.js';
import { addressesKey, normalizeAddresses, serviceAddresses, type LoadBalancerAddress, type PublishTarget } from './publish-address.js';

export interface StatusWriterOptions {
  client: KubeClient;
  logger: Logger;
  publish: PublishTarget;
  compileOptions: Partial<CompileOptions>;
  /** The publish Service from the source's cache. */
  findService: (namespace: string, name: string) => ServiceObject | undefined;
  isLeader: () => boolean;
  /** Retry delay after a failed write. Default 1 s. */
  retryMs?: number;
}

/**
 * Writes `status.loadBalancer.ingress` of every owned Ingress (ownership: the compiler's own `ClassSelector`) with a
 * JSON merge patch on the `status` subresource, only when it differs from what the Ingress has, and only while this
 * replica is the leader. An Ingress that is no longer ours but still carries an address we publish (or published
 * earlier in this process) gets it cleared (`loadBalancer: {}`). With no address known yet (the publish Service is
 * missing, or its load balancer is pending), statuses are left as they are.
 */
export class StatusWriter {
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly options: StatusWriterOptions;
  private readonly compileOptions: CompileOptions;
  private readonly runs: CoalescingRunner;
  private snapshot: ClusterSnapshot | undefined;
  /** Per Ingress: what we wrote, and the resourceVersion the cache had then (the write is not in the cache yet while it still shows that). */
  private readonly written = new Map<string, { addresses: string; before: string | undefined }>();
  /** Every address list this process has published: an Ingress left with one of them after leaving our class is cleared. */
  private readonly published = new Set<string>();
  private lastAddressState: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Status writes done (for the source status and tests). */
  writes = 0;

  constructor(options: StatusWriterOptions) {
    this.options = options;
    this.client = options.client;
    this.logger = options.logger.child({ component: 'ingress-status' });
    this.compileOptions = { ...defaultCompileOptions(), ...options.compileOptions };
    this.runs = new CoalescingRunner(
      () => this.reconcile(),
      (error) => this.logger.error({ err: error }, 'status update failed'),
    );
  }

  /** A new snapshot was compiled (or leadership changed): bring statuses in line. */
  update(snapshot?: ClusterSnapshot): void {
    if (snapshot) this.snapshot = snapshot;
    if (this.stopped || !this.snapshot || !this.options.isLeader()) return;
    void this.runs.request(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.runs.idle();
  }

  /** The addresses to publish, or undefined when none is known yet. */
  desiredAddresses(): LoadBalancerAddress[] | undefined {
    const publish = this.options.publish;
    if (publish.kind === 'addresses') return publish.addresses;
    return serviceAddresses(this.options.findService(publish.namespace, publish.name));
  }

  private async reconcile(): Promise<void> {
    const snapshot = this.snapshot;
    if (this.stopped || !snapshot || !this.options.isLeader()) return;
    const desired = this.desiredAddresses();
    this.reportAddressState(desired);
    const desiredKey = desired ? addressesKey(desired) : undefined;
    if (desiredKey) this.published.add(desiredKey);
    const selector = new ClassSelector(snapshot.ingressClasses, this.compileOptions);
    let failed = false;
    const present = new Set<string>();
    for (const ingress of snapshot.ingresses) {
      if (this.stopped || !this.options.isLeader()) return;
      const key = keyOf(ingress.metadata);
      present.add(key);
      const current = normalizeAddresses(ingress.status?.loadBalancer?.ingress ?? []);
      const currentKey = addressesKey(current);
      let target: LoadBalancerAddress[] | null;
      if (selector.owns(ingress)) {
        if (!desired || currentKey === desiredKey) continue;
        target = desired;
      } else {
        if (current.length === 0 || !this.published.has(currentKey)) continue;
        target = null;
      }
      const targetKey = target ? addressesKey(target) : '[]';
      const pending = this.written.get(key);
      if (pending && pending.addresses === targetKey && pending.before === ingress.metadata?.resourceVersion) continue;
      if (!(await this.write(ingress, target))) failed = true;
      else this.written.set(key, { addresses: targetKey, before: ingress.metadata?.resourceVersion });
    }
    for (const key of this.written.keys()) if (!present.has(key)) this.written.delete(key);
    if (failed && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.update(), this.options.retryMs ?? 1000);
      this.retryTimer.unref();
    }
  }

  private async write(ingress: IngressObject, addresses: LoadBalancerAddress[] | null): Promise<boolean> {
    const namespace = ingress.metadata?.namespace ?? 'default';
    const name = ingress.metadata?.name ?? '';
    // Merge patch: a list is replaced whole; null removes `ingress`, leaving `loadBalancer: {}`.
    const patch = { status: { loadBalancer: { ingress: addresses } } };
    try {
      await this.client.mergePatch(resourcePath(RESOURCES.Ingress, namespace, name, 'status'), patch);
      this.writes++;
      this.logger.info({ ingress: `${namespace}/${name}`, addresses: addresses ?? [] }, addresses ? 'published the address in the Ingress status' : 'cleared the address of an Ingress that is no longer ours');
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return true; // deleted meanwhile
      this.logger.warn({ ingress: `${namespace}/${name}`, error: describeError(error) }, 'writing the Ingress status failed; retrying');
      return false;
    }
  }

  private reportAddressState(desired: LoadBalancerAddress[] | undefined): void {
    const publish = this.options.publish;
    const state = desired ? addressesKey(desired) : 'none';
    if (state === this.lastAddressState) return;
    this.lastAddressState = state;
    if (desired) this.logger.info({ addresses: desired }, 'address to publish in Ingress statuses');
    else if (publish.kind === 'service') {
      this.logger.warn({ service: `${publish.namespace}/${publish.name}` }, 'the publish Service is missing or has no address yet; Ingress statuses are left as they are');
    }
  }
}

import { readFileSync } from 'node:fs';
import type { CompileOptions } from '@portico/compiler';
import { EventRecorder } from '../events/event-recorder.js';
import { LeaderElector } from '../leader/leader-elector.js';
import type { Logger } from '../logging/logger.js';
import type { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { contextNamespace, KubeClient, loadKubeConfig } from '../sources/kubernetes/kube-client.js';
import { KubeWriter } from '../sources/kubernetes/kube-writer.js';
import { KubernetesSource } from '../sources/kubernetes/kubernetes-source.js';
import type { Backoff } from '../sources/kubernetes/resource-informer.js';
import { parsePublishAddresses, parsePublishService, type PublishTarget } from '../status/publish-address.js';
import { StatusWriter } from '../status/status-writer.js';

export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface ClusterOptions {
  /** A kubeconfig file; unset: the in-cluster service account. */
  kubeconfig?: string;
  compileOptions: Partial<CompileOptions>;
  logger: Logger;
  watchNamespaces?: string[];
  publishService?: string;
  publishAddress?: string | string[];
  electionNamespace?: string;
  leaseDurationMs?: number;
  eventPatchIntervalMs?: number;
  backoff?: Backoff;
}

/**
 * Everything that talks to a cluster: the source (list/watch), the writer (admin API edits), and — for the elected
 * leader only — the Ingress status and the Events.
 */
export class ClusterRuntime {
  readonly client: KubeClient;
  readonly source: KubernetesSource;
  readonly writer: KubeWriter;
  readonly elector: LeaderElector;
  readonly status: StatusWriter | undefined;
  readonly events: EventRecorder;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(options: ClusterOptions) {
    const publish = publishTarget(options.publishService, options.publishAddress);
    this.client = new KubeClient(loadKubeConfig(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}));
    this.source = new KubernetesSource({
      client: this.client,
      logger: options.logger,
      compileOptions: options.compileOptions,
      ...(options.watchNamespaces?.length ? { watchNamespaces: options.watchNamespaces } : {}),
      ...(publish?.kind === 'service' ? { extraServices: [`${publish.namespace}/${publish.name}`] } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    this.writer = new KubeWriter(this.client);
    this.elector = new LeaderElector({
      client: this.client,
      logger: options.logger,
      namespace: options.electionNamespace ?? defaultElectionNamespace(contextNamespace(this.client.config)),
      ...(options.leaseDurationMs ? { leaseDurationMs: options.leaseDurationMs } : {}),
    });
    const isLeader = () => this.elector.isLeader();
    this.status = publish
      ? new StatusWriter({
          client: this.client,
          logger: options.logger,
          publish,
          compileOptions: options.compileOptions,
          findService: (namespace, name) => this.source.service(namespace, name),
          isLeader,
        })
      : undefined;
    this.events = new EventRecorder({
      client: this.client,
      logger: options.logger,
      isLeader,
      instance: this.elector.identity,
      ...(options.eventPatchIntervalMs !== undefined ? { minPatchIntervalMs: options.eventPatchIntervalMs } : {}),
    });
  }

  /** Starts campaigning for leadership and feeds every compile to the status writer and the Event recorder. */
  start(pipeline: ConfigPipeline): void {
    this.unsubscribe.push(
      pipeline.onCompiled((compiled) => {
        this.status?.update(compiled.snapshot);
        this.events.update(compiled);
      }),
      this.elector.onChange(() => {
        this.status?.update();
        this.events.update();
      }),
    );
    this.elector.start();
  }

  /** Stops acting as the leader, waits for writes in flight, then releases the Lease. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.elector.stop(async () => {
      await this.status?.stop();
      await this.events.stop();
    });
    await this.status?.stop();
    await this.events.stop();
  }
}

/** `--publish-service` or `--publish-address` (the CLI refuses both at once); throws on an invalid value. */
export function publishTarget(service: string | undefined, address: string | string[] | undefined): PublishTarget | undefined {
  if (service && address?.length) throw new Error('give either publishService or publishAddress, not both');
  if (service) {
    const ref = parsePublishService(service);
    if (!ref) throw new Error(`publishService must be a Service reference (name or namespace/name), got "${service.slice(0, 64)}"`);
    return { kind: 'service', ...ref };
  }
  if (address?.length) {
    const { addresses, invalid } = parsePublishAddresses(Array.isArray(address) ? address.join(',') : address);
    if (invalid.length) throw new Error(`publishAddress takes IP addresses and DNS names; not valid: ${invalid.slice(0, 5).join(', ')}`);
    if (!addresses.length) throw new Error('publishAddress names no address');
    return { kind: 'addresses', addresses };
  }
  return undefined;
}

/** The pod's namespace in a cluster, else the kubeconfig context's, else `default`. */
export function defaultElectionNamespace(fromContext: string | undefined, file = SERVICE_ACCOUNT_NAMESPACE_FILE): string {
  try {
    const namespace = readFileSync(file, 'utf8').trim();
    if (namespace) return namespace;
  } catch {
    // not in a pod
  }
  return fromContext ?? 'default';
}

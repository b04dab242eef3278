import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeObject } from '@portico/model';
import type { Logger } from '../logging/logger.js';
import { describeError, type KubeClient } from '../sources/kubernetes/kube-client.js';
import { RESOURCES, resourcePath } from '../sources/kubernetes/resources.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../sources/write-errors.js';

export const LEASE_NAME = 'portico-leader';
export const DEFAULT_LEASE_DURATION_MS = 15_000;

interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectorOptions {
  client: KubeClient;
  logger: Logger;
  namespace: string;
  /** Default `portico-leader`. */
  leaseName?: string;
  /** Default: pod name (`POD_NAME`) or host name, plus a random suffix. */
  identity?: string;
  /** Default 15 s. The Lease records it in whole seconds (at least 1); renewals happen at a third of it. */
  leaseDurationMs?: number;
}

export type LeadershipListener = (isLeader: boolean) => void;

/** `POD_NAME` (downward API) or the host name, with a random suffix so two processes on one host differ. */
export function defaultIdentity(): string {
  return `${process.env.POD_NAME || os.hostname()}_${randomBytes(4).toString('hex')}`;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it: acquire only when the Lease is absent,
 * released (no holder) or expired (`renewTime + leaseDurationSeconds < now`); every write carries the resourceVersion
 * it read, so of two candidates the second gets a 409 and stays a follower. The leader renews every third of the
 * duration and steps down on its own (a timer, not the next attempt) if it could not renew for two thirds of it,
 * before anyone else may take over; each Lease request times out after a third of the duration.
 * On `stop()` the leader releases the Lease (no holder) so another replica takes over at once.
 *
 * Expiry compares the Lease's `renewTime` with this machine's clock: replicas' clocks are assumed to agree to well
 * under a lease duration (NTP), as in any Kubernetes cluster.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly path: string;
  private readonly namespace: string;
  private readonly leaseName: string;
  private readonly durationMs: number;
  private readonly durationSeconds: number;
  private readonly listeners = new Set<LeadershipListener>();
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  /** Fires when the leader has not renewed for two thirds of the duration: it steps down before anyone may take over. */
  private deadline: NodeJS.Timeout | undefined;
  /** Lease requests give up after a third of the duration, so a hanging request cannot outlive the renew deadline. */
  private readonly requestOptions: { timeoutMs: number };
  private attempt: Promise<void> | undefined;
  private running = false;
  private lastProblem: string | undefined;

  constructor(options: LeaderElectorOptions) {
    this.client = options.client;
    this.namespace = options.namespace;
    this.leaseName = options.leaseName ?? LEASE_NAME;
    this.identity = options.identity ?? defaultIdentity();
    this.durationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.durationSeconds = Math.max(1, Math.ceil(this.durationMs / 1000));
    this.path = resourcePath(RESOURCES.Lease, this.namespace);
    this.requestOptions = { timeoutMs: Math.max(1000, Math.round(this.durationMs / 3)) };
    this.logger = options.logger.child({ component: 'leader-election', lease: `${this.namespace}/${this.leaseName}`, identity: this.identity });
  }

  isLeader(): boolean {
    return this.leader;
  }

  onChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.logger.info({ leaseDurationSeconds: this.durationSeconds }, 'taking part in leader election');
    this.schedule(0);
  }

  /**
   * Stops campaigning. A leader first stops acting as one (listeners hear `false`), lets `beforeRelease` finish the
   * writes in flight, then releases the Lease so another replica takes over without waiting for it to expire.
   */
  async stop(beforeRelease?: () => Promise<void>): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.attempt;
    if (!this.leader) return;
    this.setLeader(false, 'shutting down');
    await beforeRelease?.();
    await this.release();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt = this.tick().finally(() => {
        this.attempt = undefined;
        // Followers poll at least every 2 s (client-go's retry period), a little irregularly so that replicas started
        // together do not stay in lockstep.
        this.schedule(this.leader ? this.durationMs / 3 : Math.min(this.durationMs / 3, 2000) * (0.8 + Math.random() * 0.4));
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.acquireOrRenew();
      this.lastProblem = undefined;
    } catch (error) {
      const problem = describeError(error);
      if (problem !== this.lastProblem) this.logger.warn({ error: problem }, 'leader election request failed');
      this.lastProblem = problem;
    }
  }

  private async acquireOrRenew(): Promise<void> {
    const now = new Date();
    let lease: LeaseObject;
    try {
      lease = await this.client.get<LeaseObject>(`${this.path}/${encodeURIComponent(this.leaseName)}`, this.requestOptions);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await this.write(() => this.client.create(this.path, this.newLease(now), this.requestOptions), 'created the Lease');
      return;
    }
    const spec = lease.spec ?? {};
    if (spec.holderIdentity === this.identity) {
      await this.write(() => this.client.replace(`${this.path}/${encodeURIComponent(this.leaseName)}`, this.renewed(lease, now), this.requestOptions), 'renewed');
      return;
    }
    if (spec.holderIdentity && !expired(spec, now)) {
      if (this.leader) this.setLeader(false, `the Lease is held by ${spec.holderIdentity}`);
      return;
    }
    const taken: LeaseObject = {
      ...lease,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (spec.holderIdentity || spec.acquireTime ? 1 : 0),
      },
    };
    await this.write(() => this.client.replace(`${this.path}/${encodeURIComponent(this.leaseName)}`, taken, this.requestOptions), spec.holderIdentity ? `took over an expired Lease from ${spec.holderIdentity}` : 'took the released Lease');
  }

  /** A write that makes (or keeps) us the leader; a 409 means another replica won. */
  private async write(request: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await request();
    } catch (error) {
      if (error instanceof ConflictError || error instanceof AlreadyExistsError) {
        if (this.leader) this.setLeader(false, 'another replica updated the Lease');
        return;
      }
      throw error;
    }
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.setLeader(false, 'could not renew the Lease in time'), (this.durationMs * 2) / 3);
    this.deadline.unref();
    if (!this.leader) this.setLeader(true, what);
  }

  private async release(): Promise<void> {
    const path = `${this.path}/${encodeURIComponent(this.leaseName)}`;
    try {
      const lease = await this.client.get<LeaseObject>(path, this.requestOptions);
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      const { holderIdentity: _released, ...rest } = lease.spec;
      await this.client.replace(path, { ...lease, spec: { ...rest, leaseDurationSeconds: 1, acquireTime: now, renewTime: now } }, this.requestOptions);
      this.logger.info('released the Lease');
    } catch (error) {
      this.logger.warn({ error: describeError(error) }, 'could not release the Lease; another replica takes over when it expires');
    }
  }

  private newLease(now: Date): LeaseObject {
    return {
      apiVersion: RESOURCES.Lease.apiVersion,
      kind: RESOURCES.Lease.kind,
      metadata: { name: this.leaseName, namespace: this.namespace },
      spec: { holderIdentity: this.identity, leaseDurationSeconds: this.durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
    };
  }

  private renewed(lease: LeaseObject, now: Date): LeaseObject {
    return { ...lease, spec: { ...lease.spec, leaseDurationSeconds: this.durationSeconds, renewTime: microTime(now) } };
  }

  private setLeader(leader: boolean, why: string): void {
    if (!leader) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
    if (this.leader === leader) return;
    this.leader = leader;
    this.logger.info({ isLeader: leader, why }, leader ? 'became the leader' : 'no longer the leader');
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.logger.error({ err: error }, 'a leadership listener failed');
      }
    }
  }
}

function expired(spec: NonNullable<LeaseObject['spec']>, now: Date): boolean {
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

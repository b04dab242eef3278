import { createHash } from 'node:crypto';
import type { Diagnostic, IngressObject, KubeObject } from '@portico/model';
import type { Logger } from '../logging/logger.js';
import type { CompiledSnapshot } from '../pipeline/config-pipeline.js';
import { CoalescingRunner } from '../shared/coalescing-runner.js';
import { describeError, type KubeClient } from '../sources/kubernetes/kube-client.js';
import { RESOURCES, resourcePath } from '../sources/kubernetes/resources.js';
import { AlreadyExistsError, NotFoundError } from '../sources/write-errors.js';

export const EVENT_COMPONENT = 'portico';
const MAX_MESSAGE = 1024;
/** Kubernetes keeps Events about an hour; a record older than that is forgotten (a new occurrence creates anew). */
const FORGET_AFTER_MS = 60 * 60 * 1000;

export interface EventRecorderOptions {
  client: KubeClient;
  logger: Logger;
  isLeader: () => boolean;
  /** `reportingInstance` of the Events (the leader's identity). */
  instance: string;
  /** An Event's count and lastTimestamp are patched at most this often. Default 60 s. */
  minPatchIntervalMs?: number;
  /** Delay before retrying a failed create. Default 1 s. */
  retryMs?: number;
}

interface EventRecord {
  namespace: string;
  name: string;
  uid: string;
  /** Count on the server after our last write. */
  count: number;
  /** Occurrences not written yet. */
  pending: number;
  lastWriteAt: number;
  timer?: NodeJS.Timeout;
}

interface Occurrence {
  ingress: IngressObject;
  diagnostic: Diagnostic;
  message: string;
  key: string;
}

/**
 * Kubernetes Events (core v1, type Warning, source `portico`) for the error and warning diagnostics of owned Ingresses
 * — the leader only. Deduplicated by (Ingress uid, reason, message): the first occurrence creates an Event; later
 * ones raise its `count` and `lastTimestamp`, patched at most once a minute.
 *
 * An occurrence is a diagnostic that appears (it was not in the previous compile) or that is still there after the
 * Ingress itself changed (someone edited it and the problem remains); recompiles caused by other objects are not
 * occurrences. Event names are derived from (uid, reason, message), so a new leader or a restarted process finds the
 * existing Event (409 AlreadyExists) and raises its count instead of creating a duplicate.
 */
export class EventRecorder {
  private readonly logger: Logger;
  private readonly minPatchIntervalMs: number;
  private readonly runs: CoalescingRunner;
  private readonly records = new Map<string, EventRecord>();
  /** The diagnostics of the previous compile, with the Ingress resourceVersion they were seen at. */
  private active = new Map<string, string | undefined>();
  private latest: CompiledSnapshot | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;
  /** Events created and patched (for tests and the log). */
  created = 0;
  patched = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.logger = options.logger.child({ component: 'events' });
    this.minPatchIntervalMs = options.minPatchIntervalMs ?? 60_000;
    this.retryMs = options.retryMs ?? 1000;
    this.runs = new CoalescingRunner(
      () => this.process(),
      (error) => this.logger.error({ err: error }, 'recording Events failed'),
    );
  }

  /** A compile happened; also called (without argument) when this replica becomes the leader. */
  update(compiled?: CompiledSnapshot): void {
    if (compiled) this.latest = compiled;
    if (this.stopped || !this.latest) return;
    if (!this.options.isLeader()) {
      // A follower keeps no state: when it becomes the leader, every current diagnostic is looked at afresh.
      this.active.clear();
      for (const record of this.records.values()) clearTimeout(record.timer);
      this.records.clear();
      return;
    }
    void this.runs.request(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const record of this.records.values()) clearTimeout(record.timer);
    await this.runs.idle();
  }

  private async process(): Promise<void> {
    const compiled = this.latest;
    if (!compiled || this.stopped || !this.options.isLeader()) return;
    const ingresses = new Map<string, IngressObject>();
    for (const ingress of compiled.snapshot.ingresses) ingresses.set(`${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`, ingress);

    const occurrences: Occurrence[] = [];
    const active = new Map<string, string | undefined>();
    for (const diagnostic of compiled.diagnostics) {
      if (diagnostic.severity === 'info' || diagnostic.object?.kind !== 'Ingress') continue;
      const ingress = ingresses.get(`${diagnostic.object.namespace ?? 'default'}/${diagnostic.object.name}`);
      const uid = ingress?.metadata?.uid;
      if (!ingress || !uid) continue;
      const message = truncate(diagnostic.field ? `${diagnostic.field}: ${diagnostic.message}` : diagnostic.message);
      const key = `${uid}\u0000${diagnostic.code}\u0000${message}`;
      if (active.has(key)) continue;
      const version = ingress.metadata?.resourceVersion;
      active.set(key, version);
      if (!this.active.has(key) || this.active.get(key) !== version) occurrences.push({ ingress, diagnostic, message, key });
    }
    this.active = active;
    this.forget(new Set([...ingresses.values()].map((ingress) => ingress.metadata?.uid ?? '')));

    for (const occurrence of occurrences) {
      if (this.stopped || !this.options.isLeader()) return;
      const record = this.records.get(occurrence.key);
      if (record) {
        record.pending++;
        this.schedulePatch(occurrence.key, record);
      } else {
        await this.create(occurrence);
      }
    }
  }

  private async create({ ingress, diagnostic, message, key }: Occurrence): Promise<void> {
    const namespace = ingress.metadata?.namespace ?? 'default';
    const ingressName = ingress.metadata?.name ?? '';
    const uid = ingress.metadata?.uid ?? '';
    const name = eventName(ingressName, key);
    const now = timestamp();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: RESOURCES.Ingress.apiVersion, kind: 'Ingress', namespace, name: ingressName, uid, resourceVersion: ingress.metadata?.resourceVersion },
      reason: diagnostic.code,
      message,
      type: 'Warning',
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: this.options.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const path = resourcePath(RESOURCES.Event, namespace);
    try {
      await this.options.client.create(path, event);
      this.created++;
      this.records.set(key, { namespace, name, uid, count: 1, pending: 0, lastWriteAt: Date.now() });
      this.logger.debug({ ingress: `${namespace}/${ingressName}`, reason: diagnostic.code }, 'created an Event');
    } catch (error) {
      if (error instanceof AlreadyExistsError) {
        // Recorded before (by us earlier, or by a previous leader): this is one more occurrence.
        try {
          const existing = await this.options.client.get<KubeObject & { count?: number }>(`${path}/${encodeURIComponent(name)}`);
          const record: EventRecord = { namespace, name, uid, count: existing.count ?? 1, pending: 1, lastWriteAt: 0 };
          this.records.set(key, record);
          this.schedulePatch(key, record);
        } catch (readError) {
          this.logger.warn({ error: describeError(readError) }, 'reading an existing Event failed; retrying');
          this.active.delete(key);
          this.scheduleRetry();
        }
        return;
      }
      this.logger.warn({ ingress: `${namespace}/${ingressName}`, reason: diagnostic.code, error: describeError(error) }, 'creating an Event failed; retrying');
      // Forget having seen it, so the retry counts it as an occurrence again.
      this.active.delete(key);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.update();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** Patches now if the last write is a minute old, else when it will be. */
  private schedulePatch(key: string, record: EventRecord): void {
    if (record.timer) return;
    const wait = Math.max(0, record.lastWriteAt + this.minPatchIntervalMs - Date.now());
    record.timer = setTimeout(() => {
      record.timer = undefined;
      void this.patch(key, record);
    }, wait);
    record.timer.unref();
  }

  private async patch(key: string, record: EventRecord): Promise<void> {
    if (this.stopped || !this.options.isLeader() || record.pending === 0 || this.records.get(key) !== record) return;
    const count = record.count + record.pending;
    const pending = record.pending;
    try {
      await this.options.client.mergePatch(resourcePath(RESOURCES.Event, record.namespace, record.name), { count, lastTimestamp: timestamp() });
      this.patched++;
      record.count = count;
      record.pending -= pending;
      record.lastWriteAt = Date.now();
      if (record.pending > 0) this.schedulePatch(key, record);
    } catch (error) {
      if (error instanceof NotFoundError) {
        // Expired or deleted: the next occurrence creates it again.
        this.records.delete(key);
        return;
      }
      record.lastWriteAt = Date.now();
      this.schedulePatch(key, record);
      this.logger.warn({ event: `${record.namespace}/${record.name}`, error: describeError(error) }, 'updating an Event failed; retrying');
    }
  }

  /** Drops records of deleted Ingresses and of Events old enough to have expired. */
  private forget(uids: Set<string>): void {
    const now = Date.now();
    for (const [key, record] of this.records) {
      if (uids.has(record.uid) && now - record.lastWriteAt < FORGET_AFTER_MS) continue;
      if (record.timer && uids.has(record.uid)) continue;
      clearTimeout(record.timer);
      this.records.delete(key);
    }
  }
}

/** `<ingress>.<hash of uid, reason, message>`: stable, so the same problem always names the same Event. */
function eventName(ingressName: string, key: string): string {
  return `${ingressName.slice(0, 200)}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** metav1.Time: RFC 3339, whole seconds. */
const timestamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const truncate = (text: string): string => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text);

import { performance } from 'node:perf_hooks';
import type { RoutingTable } from '@portico/model';
import type { ApplyTarget } from '../config/apply-target.js';
import { generationOf, type ApplyResult } from '../config/config-store.js';
import type { LastGoodWriter } from '../config/last-good-file.js';
import type { Logger } from '../observability/logger.js';
import type { StartReply } from './messages.js';
import { GONE, type RequestBody, type WorkerLink } from './worker-link.js';

export interface ClusterConfigDeps {
  logger: Logger;
  lastGood: LastGoodWriter;
  /** A worker that has not applied a table after this long is killed (and replaced): it cannot serve either. */
  applyTimeoutMs: number;
  /** The table to start workers with (last-good.json), if any. */
  initialTable: RoutingTable | null;
}

/**
 * The routing table of a cluster of workers, as one ApplyTarget: each table goes to every worker, and the result
 * (what the subscription acknowledges) is known only once every live worker has applied it. Starting a worker goes
 * through the same queue, so a worker always starts with the table the others serve and is counted in every apply
 * after it; no table can be acknowledged while a worker that does not serve it accepts connections.
 */
export class ClusterConfig implements ApplyTarget {
  /** The table every worker serves (applied by all); what a starting worker gets. */
  private current: { generation: number; table: unknown } | null;
  private readonly members = new Set<WorkerLink>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ClusterConfigDeps) {
    this.current = deps.initialTable ? { generation: deps.initialTable.generation, table: deps.initialTable } : null;
  }

  get generation(): number | null {
    return this.current?.generation ?? null;
  }

  apply(candidate: unknown): Promise<ApplyResult> {
    return this.enqueue(() => this.applyToAll(candidate));
  }

  /**
   * Starts a booted worker: it applies the current table, then listens on the ports. From then on it is counted in
   * every apply. GONE when it exits first.
   */
  start(link: WorkerLink, ports: Omit<Extract<RequestBody, { type: 'start' }>, 'type' | 'table'>): Promise<StartReply | typeof GONE> {
    return this.enqueue(async () => {
      const reply = await link.request({ type: 'start', table: this.current?.table ?? null, ...ports }, this.deps.applyTimeoutMs, 'kill');
      if (reply === GONE) return GONE;
      link.serving = reply.result?.ok ? reply.result.generation : null;
      link.started = true;
      if (reply.result && !reply.result.ok) this.startRejected(link, reply.result.error);
      this.members.add(link);
      void link.exited.then(() => this.members.delete(link));
      return reply;
    });
  }

  /**
   * A worker refused the table it was started with (last-good.json from an older version, say). Unless others serve
   * it, nobody does: the cluster then has no table, so the subscription asks the API for a fresh one.
   */
  private startRejected(link: WorkerLink, error: string): void {
    const generation = this.generation;
    const servedByOthers = [...this.members].some((m) => m.serving === generation);
    this.deps.logger.error({ worker: link.id, generation, error, servedByOthers }, 'a starting worker rejected the current table');
    if (!servedByOthers) this.current = null;
  }

  /** `/readyz` of the cluster: ready when every worker (starting ones included) serves the current generation. */
  readiness(workers: readonly WorkerLink[]): { ready: boolean; body: unknown } {
    const generation = this.generation;
    return {
      ready: generation !== null && workers.length > 0 && workers.every((w) => w.started && w.serving === generation),
      body: { generation, workers: workers.map((w) => ({ id: w.id, pid: w.pid, generation: w.serving })) },
    };
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async applyToAll(candidate: unknown): Promise<ApplyResult> {
    const started = performance.now();
    const workers = [...this.members];
    const replies = await Promise.all(workers.map((w) => this.applyOn(w, candidate)));
    const applyMs = performance.now() - started;
    const answered = workers.flatMap((w, i) => (replies[i] === GONE ? [] : [{ worker: w, result: replies[i] as ApplyResult }]));

    const rejected = answered.find((a) => !a.result.ok);
    if (answered.length === 0) {
      const error = workers.length === 0 ? 'no worker process is running' : 'every worker process exited while applying the table';
      this.deps.logger.warn({ error }, 'routing table not applied');
      return { ok: false, generation: generationOf(candidate), applyMs, error };
    }
    if (rejected && !rejected.result.ok) {
      await this.rollBack(answered.filter((a) => a.result.ok).map((a) => a.worker));
      return { ...rejected.result, applyMs, error: `worker ${rejected.worker.id}: ${rejected.result.error}` };
    }
    const result = answered[0]!.result as Extract<ApplyResult, { ok: true }>;
    this.current = { generation: result.generation, table: candidate };
    this.deps.lastGood.save(candidate as RoutingTable);
    this.deps.logger.info({ generation: result.generation, workers: answered.length, applyMs }, 'routing table applied by every worker');
    return { ok: true, generation: result.generation, applyMs };
  }

  /**
   * Validation is deterministic, so workers accept or reject a table together; should they ever differ, those that
   * applied it go back to the current table, so the proxy serves one generation and acknowledges the rejection.
   */
  private async rollBack(workers: WorkerLink[]): Promise<void> {
    if (workers.length === 0) return;
    const current = this.current;
    if (!current) {
      this.deps.logger.error({ workers: workers.map((w) => w.id) }, 'workers disagree on a table and there is no earlier one to go back to');
      return;
    }
    this.deps.logger.error({ workers: workers.map((w) => w.id), generation: current.generation }, 'workers disagree on a table; going back to the current one');
    await Promise.all(workers.map((w) => this.applyOn(w, current.table)));
  }

  /** One worker applies a table; what it serves is known as soon as it answers. */
  private async applyOn(worker: WorkerLink, table: unknown): Promise<ApplyResult | typeof GONE> {
    const reply = await worker.request({ type: 'apply', table }, this.deps.applyTimeoutMs, 'kill');
    if (reply !== GONE && reply.ok) worker.serving = reply.generation;
    return reply;
  }
}


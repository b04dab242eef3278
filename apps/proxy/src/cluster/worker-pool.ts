import cluster from 'node:cluster';
import type { Logger } from '../observability/logger.js';
import type { PemPair } from '../tls/default-certificate.js';
import type { ClusterConfig } from './cluster-config.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { RestartBackoff } from './restart-backoff.js';
import { GONE, WorkerLink } from './worker-link.js';
import { WORKER_ENV } from './worker.js';

export interface WorkerPoolDeps {
  count: number;
  logger: Logger;
  config: ClusterConfig;
  metrics: ClusterMetrics;
  certificate: PemPair;
  httpPort: number;
  httpsPort: number;
  /** How long a forked worker may take to boot and start listening before it is killed. */
  startTimeoutMs: number;
}

/**
 * The worker processes: forks them, starts each with the current table (through ClusterConfig, so none accepts
 * before it serves what the others serve), replaces those that die at a bounded rate, and stops them all.
 */
export class WorkerPool {
  private readonly links = new Set<WorkerLink>();
  private readonly backoff = new RestartBackoff();
  private readonly respawns = new Set<NodeJS.Timeout>();
  /** Set once every first worker has started: from then on, a worker that exits is replaced. */
  private running = false;
  private stopping = false;

  constructor(private readonly deps: WorkerPoolDeps) {}

  /** Live workers, started or starting. */
  get workers(): WorkerLink[] {
    return [...this.links];
  }

  /** Forks and starts every worker; fails (after stopping the others) if one does not start, e.g. a port in use. */
  async start(): Promise<{ httpPort: number; httpsPort: number }> {
    const replies = await Promise.all(Array.from({ length: this.deps.count }, () => this.startWorker(this.fork())));
    const failed = replies.findIndex((reply) => reply === GONE);
    if (failed !== -1) {
      await this.stop(1_000);
      throw new Error('a worker process exited before it listened (see its log above)');
    }
    this.running = true;
    const first = replies[0] as Exclude<(typeof replies)[number], typeof GONE>;
    return { httpPort: first.httpPort, httpsPort: first.httpsPort };
  }

  /** Asks every worker to drain and exit; kills those still running after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.respawns) clearTimeout(timer);
    const links = this.workers;
    // A worker still booting serves nothing yet and could miss the message: it is ended outright.
    for (const link of links) if (!link.isBooted || !link.send({ type: 'shutdown' })) link.kill();
    const timer = setTimeout(() => {
      for (const link of links.filter((l) => !l.worker.isDead())) {
        this.deps.logger.warn({ worker: link.id, pid: link.pid }, 'worker did not stop in time; killing it');
        link.kill();
      }
    }, timeoutMs);
    await Promise.all(links.map((link) => link.exited));
    clearTimeout(timer);
  }

  private fork(): WorkerLink {
    const link = new WorkerLink(cluster.fork({ [WORKER_ENV]: '1' }));
    this.links.add(link);
    this.deps.metrics.workers.set(this.links.size);
    void link.exited.then(({ code, signal }) => this.onExit(link, code, signal));
    return link;
  }

  private async startWorker(link: WorkerLink): Promise<Awaited<ReturnType<ClusterConfig['start']>>> {
    const timer = setTimeout(() => {
      if (link.started) return;
      this.deps.logger.error({ worker: link.id, pid: link.pid, timeoutMs: this.deps.startTimeoutMs }, 'worker did not start in time; killing it');
      link.kill();
    }, this.deps.startTimeoutMs);
    try {
      if ((await link.booted()) === GONE) return GONE;
      const { certificate, httpPort, httpsPort } = this.deps;
      const reply = await this.deps.config.start(link, { certificate, httpPort, httpsPort });
      if (reply !== GONE) this.deps.logger.info({ worker: link.id, pid: link.pid, generation: link.serving, httpPort: reply.httpPort, httpsPort: reply.httpsPort }, 'worker started');
      return reply;
    } finally {
      clearTimeout(timer);
    }
  }

  private onExit(link: WorkerLink, code: number | null, signal: string | null): void {
    this.links.delete(link);
    this.deps.metrics.workers.set(this.links.size);
    if (this.stopping || !this.running) return;
    const delayMs = this.backoff.next();
    this.deps.metrics.restarts.inc();
    this.deps.logger.error({ worker: link.id, pid: link.pid, code, signal, restartInMs: delayMs }, 'worker exited; starting a new one');
    const timer = setTimeout(() => {
      this.respawns.delete(timer);
      if (!this.stopping) void this.startWorker(this.fork());
    }, delayMs);
    this.respawns.add(timer);
  }
}

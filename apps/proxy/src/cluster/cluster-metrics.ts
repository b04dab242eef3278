import type { ProxyTrafficReport } from '@portico/model';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { mergeTrafficReports } from '../observability/traffic-stats.js';
import type { MetricsJson } from './messages.js';
import { GONE, type WorkerLink } from './worker-link.js';

/** How long `/metrics` and the traffic report wait for a worker's numbers before leaving it out. */
const COLLECT_TIMEOUT_MS = 3_000;

/** The primary's own metrics, about its workers. */
export class ClusterMetrics {
  readonly registry = new Registry();

  readonly workers = new Gauge({
    name: 'portico_workers',
    help: 'Worker processes running (--workers), started or starting.',
    registers: [this.registry],
  });

  readonly restarts = new Counter({
    name: 'portico_worker_restarts_total',
    help: 'Worker processes that exited unexpectedly and were replaced.',
    registers: [this.registry],
  });

  /**
   * `/metrics` for the whole proxy: every worker's registry aggregated as prom-client does for clusters (counters
   * and histograms summed; portico_config_generation the lowest), plus the primary's own.
   */
  async collectMetrics(workers: readonly WorkerLink[]): Promise<{ contentType: string; text: string }> {
    const fromWorkers = await collect<MetricsJson>(workers, 'metrics');
    const aggregated = AggregatorRegistry.aggregate([...fromWorkers, await this.registry.getMetricsAsJSON()]);
    return { contentType: this.registry.contentType, text: await aggregated.metrics() };
  }
}

/** The traffic report of the whole proxy: the workers' counts summed. */
export async function collectTraffic(workers: readonly WorkerLink[], proxyId: string): Promise<ProxyTrafficReport> {
  return mergeTrafficReports(proxyId, await collect<ProxyTrafficReport>(workers, 'traffic'));
}

async function collect<T>(workers: readonly WorkerLink[], what: 'metrics' | 'traffic'): Promise<T[]> {
  const replies = await Promise.all(workers.filter((w) => w.started).map((w) => w.request({ type: 'collect', what }, COLLECT_TIMEOUT_MS, 'skip')));
  return replies.filter((reply) => reply !== GONE) as T[];
}

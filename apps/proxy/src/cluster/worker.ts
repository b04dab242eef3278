import cluster from 'node:cluster';
import { ConfigStore } from '../config/config-store.js';
import { createDataPlane, type DataPlane } from '../data-plane.js';
import { createLogger } from '../observability/logger.js';
import { ProxyMetrics } from '../observability/metrics.js';
import { resolveOptions, type ProxyOptions } from '../options.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';
import type { FromWorker, ToWorker } from './messages.js';

/** Set by our primary on the workers it forks: a cluster worker of some other primary (a process manager's) is not ours. */
export const WORKER_ENV = 'PORTICO_CLUSTER_WORKER';

/** Whether this process is a worker forked by the proxy's primary (`--workers N`). */
export function isProxyWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/**
 * A worker process (`--workers N`): the data plane over its own ConfigStore. It applies what the primary sends and
 * answers with the result; it listens only after applying the table the primary starts it with. The config stream,
 * last-good.json and the admin port are the primary's. Signals are the primary's to handle too: a worker drains when
 * the primary says so, or when the primary is gone.
 */
export function runWorker(options: ProxyOptions): void {
  const opts = resolveOptions(options);
  const logger = (options.logger ?? createLogger(undefined, { sharedStdout: true })).child({ worker: cluster.worker?.id, pid: process.pid });
  const metrics = new ProxyMetrics();
  const upstreams = new UpstreamRegistry();
  const store = new ConfigStore({ upstreams, metrics, logger, stateDir: null });
  let dataPlane: DataPlane | undefined;
  let stopping: Promise<void> | undefined;

  const send = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };

  const stop = (reason: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'worker stopping');
      await dataPlane?.drain();
      upstreams.close();
      logger.info('worker stopped');
      process.exit(0);
    })());

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'start': {
        const result = message.table === null ? null : store.apply(message.table, { persist: false });
        dataPlane = createDataPlane({ opts, store, metrics, logger, defaultCertificate: message.certificate });
        try {
          const ports = await dataPlane.listen(message.httpPort, message.httpsPort);
          logger.info({ ...ports, bind: opts.bind, generation: store.generation }, 'proxy listening');
          send({ type: 'reply', seq: message.seq, value: { result, ...ports } });
        } catch (err) {
          logger.error({ err: (err as Error).message }, 'worker could not listen');
          process.exit(1);
        }
        return;
      }
      case 'apply':
        return send({ type: 'reply', seq: message.seq, value: store.apply(message.table, { persist: false }) });
      case 'collect': {
        const value = message.what === 'metrics' ? await metrics.registry.getMetricsAsJSON() : metrics.traffic.snapshot('worker');
        return send({ type: 'reply', seq: message.seq, value });
      }
      case 'shutdown':
        return void stop('the primary is stopping');
    }
  };

  process.on('message', (message: ToWorker) => {
    handle(message).catch((err: Error) => logger.error({ err: err.message, type: message.type }, 'worker could not answer the primary'));
  });
  process.on('disconnect', () => void stop('the primary is gone'));
  // Ctrl-C reaches every process of the group: the primary stops the workers in order.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => logger.debug({ signal }, 'ignored: the primary stops workers'));
  send({ type: 'booted' });
}

import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { createAdminServer } from '../admin/admin-server.js';
import { LastGoodWriter, readSavedTable } from '../config/last-good-file.js';
import { subscribe } from '../config/subscription.js';
import { resolveDefaultCertificate } from '../data-plane.js';
import { closeServer, listen } from '../listeners/listen.js';
import { createLogger } from '../observability/logger.js';
import { resolveOptions, type ProxyOptions } from '../options.js';
import { ClusterConfig } from './cluster-config.js';
import { ClusterMetrics, collectTraffic } from './cluster-metrics.js';
import { WorkerPool } from './worker-pool.js';

/** The proxy's command line, which every worker runs too (it finds itself a worker and calls runWorker). */
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** A worker that takes longer than this to apply a table (or to start) is killed and replaced. */
const WORKER_TIMEOUT_MS = 30_000;

export interface ClusterHandle {
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly adminPort: number;
  /** Stops the subscription, drains every worker (each up to `drainTimeoutMs`), then closes the admin port. */
  close(): Promise<void>;
}

/**
 * The primary of `--workers N` (N > 1): holds the one config stream (one proxy id: the API sees one proxy), the
 * last-good file, the admin port and the traffic report, and runs N worker processes that own the data-plane ports.
 * A table is acknowledged once every worker applied it (ClusterConfig).
 */
export async function startCluster(options: ProxyOptions, workers: number): Promise<ClusterHandle> {
  const opts = resolveOptions(options);
  const logger = options.logger ?? createLogger(undefined, { sharedStdout: true });
  const lastGood = new LastGoodWriter(opts.stateDir, logger);
  const initialTable = options.initialTable ?? (await readSavedTable(opts.stateDir, logger));
  // Made once here, so every worker serves the same fallback certificate.
  const certificate = await resolveDefaultCertificate(options.defaultCertificate, logger);
  const config = new ClusterConfig({ logger, lastGood, applyTimeoutMs: WORKER_TIMEOUT_MS, initialTable });
  const metrics = new ClusterMetrics();

  // Each worker accepts on the shared listening socket itself (the kernel hands a connection to one of the workers
  // waiting), rather than the primary accepting every connection and passing it over IPC (SCHED_RR, Node's default
  // on Linux). Node's NODE_CLUSTER_SCHED_POLICY=rr still chooses round-robin.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: MAIN, args: process.argv.slice(2) });
  const pool = new WorkerPool({ count: workers, logger, config, metrics, certificate, httpPort: opts.httpPort, httpsPort: opts.httpsPort, startTimeoutMs: WORKER_TIMEOUT_MS });
  const { httpPort, httpsPort } = await pool.start();

  const adminServer = createAdminServer(
    { readiness: () => config.readiness(pool.workers), metrics: () => metrics.collectMetrics(pool.workers) },
    logger,
  );
  let adminPort: number;
  try {
    adminPort = await listen(adminServer, opts.adminPort, opts.bind);
  } catch (err) {
    await pool.stop(opts.drainTimeoutMs + 5_000);
    throw err;
  }
  logger.info({ httpPort, httpsPort, adminPort, bind: opts.bind, generation: config.generation, workers }, 'proxy listening');

  const subscription = subscribe(opts, options, {
    target: config,
    traffic: { snapshot: (proxyId) => collectTraffic(pool.workers, proxyId) },
    logger,
  });

  let closing: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    logger.info({ workers: pool.workers.length, drainTimeoutMs: opts.drainTimeoutMs }, 'proxy draining its workers');
    const stopped = subscription?.stop();
    await pool.stop(opts.drainTimeoutMs + 5_000);
    const adminClosed = closeServer(adminServer);
    adminServer.closeAllConnections();
    await adminClosed;
    await stopped;
    await lastGood.flush();
    logger.info('proxy stopped');
  }

  return { httpPort, httpsPort, adminPort, close: () => (closing ??= shutdown()) };
}

import { createAdminServer, storeAdminSource } from './admin/admin-server.js';
import { ConfigStore, type ApplyResult } from './config/config-store.js';
import { readSavedTable } from './config/last-good-file.js';
import { subscribe } from './config/subscription.js';
import { createDataPlane, resolveDefaultCertificate } from './data-plane.js';
import { closeServer, listen } from './listeners/listen.js';
import { createLogger } from './observability/logger.js';
import { ProxyMetrics } from './observability/metrics.js';
import { resolveOptions, type ProxyOptions } from './options.js';
import { UpstreamRegistry } from './upstream/upstream-registry.js';

export type { ProxyOptions } from './options.js';
export type { ApplyResult } from './config/config-store.js';
export type { ListenerLimits } from './listeners/limits.js';

export interface ProxyHandle {
  /** The data-plane port actually bound. */
  readonly httpPort: number;
  /** The TLS port actually bound (termination and passthrough). */
  readonly httpsPort: number;
  /** The admin port actually bound. */
  readonly adminPort: number;
  /** Stops accepting, drains in-flight requests (up to `drainTimeoutMs`), then releases everything. Idempotent. */
  close(): Promise<void>;
  /** Generation of the table being served, or null before the first one. */
  currentGeneration(): number | null;
  /** Applies a table directly, bypassing the API (tests, static setups). Invalid tables are rejected, not thrown. */
  applyTable(table: unknown): ApplyResult;
  /** The proxy's Prometheus registry, as served on `/metrics`. */
  readonly metrics: ProxyMetrics['registry'];
}

export async function startProxy(options: ProxyOptions = {}): Promise<ProxyHandle> {
  const opts = resolveOptions(options);
  const logger = options.logger ?? createLogger();
  const metrics = new ProxyMetrics();
  const upstreams = new UpstreamRegistry();
  const store = new ConfigStore({ upstreams, metrics, logger, stateDir: opts.stateDir });

  const saved = await readSavedTable(opts.stateDir, logger);
  if (saved) store.apply(saved, { persist: false });
  if (options.initialTable) store.apply(options.initialTable, { persist: false });

  const defaultCertificate = await resolveDefaultCertificate(options.defaultCertificate, logger);
  const dataPlane = createDataPlane({ opts, store, metrics, logger, defaultCertificate });
  const adminServer = createAdminServer(storeAdminSource(store, metrics), logger);

  let httpPort: number;
  let httpsPort: number;
  let adminPort: number;
  try {
    ({ httpPort, httpsPort } = await dataPlane.listen(opts.httpPort, opts.httpsPort));
    adminPort = await listen(adminServer, opts.adminPort, opts.bind);
  } catch (err) {
    await Promise.all([dataPlane.drain(), closeServer(adminServer)]);
    upstreams.close();
    throw err;
  }
  logger.info({ httpPort, httpsPort, adminPort, bind: opts.bind, generation: store.generation }, 'proxy listening');

  const subscription = subscribe(opts, options, { target: store, traffic: metrics.traffic, logger });

  let closing: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    const stopped = subscription?.stop();
    await dataPlane.drain();
    const adminClosed = closeServer(adminServer);
    adminServer.closeAllConnections();
    await adminClosed;
    await stopped;
    await store.flush();
    upstreams.close();
    logger.info('proxy stopped');
  }

  return {
    httpPort,
    httpsPort,
    adminPort,
    close: () => (closing ??= shutdown()),
    currentGeneration: () => store.generation,
    applyTable: (table) => store.apply(table),
    metrics: metrics.registry,
  };
}

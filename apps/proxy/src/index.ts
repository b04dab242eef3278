import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { createAdminServer } from './admin/admin-server.js';
import { ConfigStore, type ApplyResult } from './config/config-store.js';
import { loadLastGood } from './config/last-good-file.js';
import { ConfigSubscription } from './config/subscription.js';
import { createHttpListener } from './listeners/http.js';
import { closeServer, listen } from './listeners/listen.js';
import { TlsListener } from './listeners/tls.js';
import { AccessLog } from './observability/access-log.js';
import { createLogger } from './observability/logger.js';
import { ProxyMetrics } from './observability/metrics.js';
import { resolveOptions, type ProxyOptions } from './options.js';
import { createRequestHandler } from './routing/http-proxy.js';
import type { ProxyContext } from './routing/proxy-context.js';
import { createUpgradeHandler } from './routing/upgrade-proxy.js';
import { PassthroughRelay } from './passthrough/relay.js';
import { generateFallbackCertificate, loadPemPair, type PemPair } from './tls/default-certificate.js';
import { UpstreamRegistry } from './upstream/upstream-registry.js';

export type { ProxyOptions } from './options.js';
export type { ApplyResult } from './config/config-store.js';
export type { ListenerLimits } from './listeners/http.js';

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

  if (opts.stateDir) {
    const saved = await loadLastGood(opts.stateDir);
    if (saved.table) {
      const result = store.apply(saved.table, { persist: false });
      logger.info({ generation: saved.table.generation, ok: result.ok }, 'serving last good routing table from disk');
    } else {
      logger.info({ stateDir: opts.stateDir, reason: saved.reason }, 'no saved routing table');
    }
  }
  if (options.initialTable) store.apply(options.initialTable, { persist: false });

  const defaultCertificate = await resolveDefaultCertificate(options.defaultCertificate);
  if (!options.defaultCertificate) logger.warn('no default certificate configured: serving a generated self-signed one for portico.invalid');
  // Fails start-up on purpose: a configured default certificate that does not load is an operator error.
  const defaultContext = tls.createSecureContext({ cert: defaultCertificate.certPem, key: defaultCertificate.keyPem });

  const accessLog = new AccessLog(logger.child({ log: 'access' }));
  const ctx: ProxyContext = {
    store,
    metrics,
    accessLog,
    logger,
    upstreamTimeoutMs: opts.upstreamTimeoutMs,
    proto: 'http',
    listenerPort: undefined,
    httpsRedirectPort: 443,
    inFlight: 0,
  };
  const tlsCtx: ProxyContext = { ...ctx, proto: 'https', inFlight: 0 };
  const tunnels = new Set<Duplex>();
  const httpServer = createHttpListener(opts.limits, { request: createRequestHandler(ctx), upgrade: createUpgradeHandler(ctx, tunnels) }, logger);
  const passthrough = new PassthroughRelay(metrics, logger, opts.upstreamTimeoutMs);
  const tlsListener = new TlsListener({
    store,
    metrics,
    logger,
    limits: opts.limits,
    clientHelloTimeoutMs: opts.clientHelloTimeoutMs,
    defaultCertificate,
    defaultContext,
    passthrough,
    request: createRequestHandler(tlsCtx),
    upgrade: createUpgradeHandler(tlsCtx, tunnels),
  });
  const adminServer = createAdminServer(store, metrics, logger);

  let httpPort: number;
  let httpsPort: number;
  let adminPort: number;
  try {
    httpPort = await listen(httpServer, opts.httpPort, opts.bind);
    httpsPort = await listen(tlsListener.server, opts.httpsPort, opts.bind);
    adminPort = await listen(adminServer, opts.adminPort, opts.bind);
  } catch (err) {
    await Promise.all([closeServer(httpServer), tlsListener.stopAccepting(), closeServer(adminServer)]);
    upstreams.close();
    throw err;
  }
  ctx.listenerPort = httpPort;
  ctx.httpsRedirectPort = opts.publicHttpsPort ?? httpsPort;
  tlsCtx.listenerPort = httpsPort;
  logger.info({ httpPort, httpsPort, adminPort, bind: opts.bind, generation: store.generation }, 'proxy listening');

  let subscription: ConfigSubscription | null = null;
  if (opts.apiUrl) {
    subscription = new ConfigSubscription({
      apiUrl: opts.apiUrl,
      proxyToken: opts.proxyToken,
      proxyId: opts.proxyId,
      store,
      logger,
      ...options.reconnect,
      traffic: metrics.traffic,
      ...(options.trafficReportIntervalMs !== undefined ? { trafficReportIntervalMs: options.trafficReportIntervalMs } : {}),
    });
    subscription.start();
  } else {
    logger.warn('no API URL configured: serving only saved or initial routing tables');
  }

  let closing: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    logger.info({ inFlight: ctx.inFlight + tlsCtx.inFlight, passthrough: passthrough.size, drainTimeoutMs: opts.drainTimeoutMs }, 'proxy draining');
    const stopped = subscription?.stop();
    const httpClosed = closeServer(httpServer);
    const tlsClosed = tlsListener.stopAccepting();
    tlsListener.drain();
    const deadline = Date.now() + opts.drainTimeoutMs;
    // Idle keep-alive connections are closed as soon as they become idle; busy ones finish their request first.
    // Upgraded tunnels and passthrough connections are not waited for: they can live for hours, so they are closed
    // once requests have drained.
    while (ctx.inFlight + tlsCtx.inFlight > 0 && Date.now() < deadline) {
      httpServer.closeIdleConnections();
      await delay(25);
    }
    httpServer.closeAllConnections();
    for (const socket of tunnels) socket.destroy();
    tlsListener.destroyAll();
    await Promise.all([httpClosed, tlsClosed]);
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

async function resolveDefaultCertificate(configured: ProxyOptions['defaultCertificate']): Promise<PemPair> {
  if (!configured) return generateFallbackCertificate();
  if ('certFile' in configured) return loadPemPair(configured.certFile, configured.keyFile);
  return { certPem: configured.certPem, keyPem: configured.keyPem };
}

import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConfigStore } from './config/config-store.js';
import { createHttpListener } from './listeners/http.js';
import { closeServer, listen } from './listeners/listen.js';
import { TlsListener } from './listeners/tls.js';
import { AccessLog } from './observability/access-log.js';
import type { Logger } from './observability/logger.js';
import type { ProxyMetrics } from './observability/metrics.js';
import type { ResolvedProxyOptions } from './options.js';
import { createRequestHandler } from './routing/http-proxy.js';
import type { ProxyContext } from './routing/proxy-context.js';
import { createUpgradeHandler } from './routing/upgrade-proxy.js';
import { PassthroughRelay } from './passthrough/relay.js';
import type { ProxyOptions } from './options.js';
import { generateFallbackCertificate, loadPemPair, type PemPair } from './tls/default-certificate.js';

export interface DataPlane {
  /** Binds the HTTP and TLS ports (port 0: a free one) and reports the ports bound; on failure both are closed. */
  listen(httpPort: number, httpsPort: number): Promise<{ httpPort: number; httpsPort: number }>;
  /** Stops accepting and drains in-flight requests (up to `drainTimeoutMs`), then cuts what is left. */
  drain(): Promise<void>;
}

export interface DataPlaneDeps {
  opts: ResolvedProxyOptions;
  store: ConfigStore;
  metrics: ProxyMetrics;
  logger: Logger;
  defaultCertificate: PemPair;
}

/** The traffic side of a proxy: the HTTP listener and the TLS port (termination and passthrough) over one store. */
export function createDataPlane({ opts, store, metrics, logger, defaultCertificate }: DataPlaneDeps): DataPlane {
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
  const { server: httpServer, http1 } = createHttpListener(opts.limits, { request: createRequestHandler(ctx), upgrade: createUpgradeHandler(ctx, tunnels) }, logger);
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

  return {
    async listen(httpPortWanted, httpsPortWanted) {
      try {
        const httpPort = await listen(httpServer, httpPortWanted, opts.bind);
        const httpsPort = await listen(tlsListener.server, httpsPortWanted, opts.bind);
        ctx.listenerPort = httpPort;
        ctx.httpsRedirectPort = opts.publicHttpsPort ?? httpsPort;
        tlsCtx.listenerPort = httpsPort;
        return { httpPort, httpsPort };
      } catch (err) {
        await Promise.all([closeServer(httpServer), tlsListener.stopAccepting()]);
        throw err;
      }
    },

    async drain() {
      logger.info({ inFlight: ctx.inFlight + tlsCtx.inFlight, passthrough: passthrough.size, drainTimeoutMs: opts.drainTimeoutMs }, 'proxy draining');
      const httpClosed = closeServer(httpServer);
      const tlsClosed = tlsListener.stopAccepting();
      tlsListener.drain();
      const deadline = Date.now() + opts.drainTimeoutMs;
      // Idle keep-alive connections are closed as soon as they become idle; busy ones finish their request first.
      // Upgraded tunnels and passthrough connections are not waited for: they can live for hours, so they are closed
      // once requests have drained.
      while (ctx.inFlight + tlsCtx.inFlight > 0 && Date.now() < deadline) {
        http1.closeIdleConnections();
        tlsListener.closeIdleConnections();
        await delay(25);
      }
      http1.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      tlsListener.destroyAll();
      await Promise.all([httpClosed, tlsClosed]);
    },
  };
}

/** The certificate served without SNI and for names no TLS host claims: the configured one, or a generated one. */
export async function resolveDefaultCertificate(configured: ProxyOptions['defaultCertificate'], logger: Logger): Promise<PemPair> {
  if (!configured) {
    logger.warn('no default certificate configured: serving a generated self-signed one for portico.invalid');
    return generateFallbackCertificate();
  }
  if ('certFile' in configured) return loadPemPair(configured.certFile, configured.keyFile);
  return { certPem: configured.certPem, keyPem: configured.keyPem };
}

import net from 'node:net';
import type { ActiveConfig } from '../config/active-config.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { clientIpOf } from '../routing/forwarded-headers.js';
import { upstreamFailureReason } from '../routing/proxy-context.js';

interface Relayed {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/**
 * After one side has closed cleanly, how long the other may take to flush what is queued for it and close in turn
 * before it is cut: a peer that never closes its half must not hold the relay open.
 */
const LINGER_MS = 5_000;

function onLingerTimeout(this: net.Socket): void {
  this.destroy();
}

/**
 * Relays a TLS connection for a passthrough host as raw TCP to an endpoint of the host's cluster: the proxy never
 * sees the plaintext and the client sees the backend's own certificate. The connection belongs to the generation it
 * was routed by only for the endpoint choice; a later table does not touch it.
 */
export class PassthroughRelay {
  private readonly live = new Set<Relayed>();

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
    /** Bound on connecting to the backend; after that the relay has no timeout (TLS sessions may idle for long). */
    private readonly connectTimeoutMs: number,
  ) {}

  /** Connections being relayed now. */
  get size(): number {
    return this.live.size;
  }

  /**
   * `client` is paused and has its ClientHello (and anything after it) in `buffered`, not yet consumed; it must have
   * an 'error' listener already (readClientHello's contract). `host` is the governing virtual host's name, used as a
   * metric label (it comes from the table, so the label set stays bounded).
   */
  relay(client: net.Socket, buffered: Buffer, config: ActiveConfig, host: string, clusterId: string): void {
    const cluster = config.clusters.get(clusterId);
    const endpoint = cluster?.balancer.pick(clientIpOf(client.remoteAddress));
    if (!endpoint) {
      this.metrics.upstreamError(clusterId, 'no_endpoints');
      this.logger.debug({ host, clusterId }, 'passthrough: no ready endpoint; closing the connection');
      client.destroy();
      return;
    }
    this.metrics.passthroughConnections.inc({ host });
    endpoint.inFlight++;
    const upstream = net.connect({ host: endpoint.address, port: endpoint.port, noDelay: true, allowHalfOpen: true });
    const relayed: Relayed = { client, upstream };
    this.live.add(relayed);
    let connected = false;
    let closed = 0;
    const closeOther = (other: net.Socket, hadError: boolean): void => {
      if (hadError) return void other.destroy();
      // A clean close: the pipe has already ended `other`; let it flush what it still holds, within a bound.
      other.end();
      other.setTimeout(LINGER_MS, onLingerTimeout);
    };
    const onClose = (): void => {
      // Both have closed once this has run twice.
      if (++closed < 2) return;
      this.live.delete(relayed);
      endpoint.inFlight--;
      this.metrics.passthroughBytes.inc({ host, direction: 'client_to_upstream' }, upstream.bytesWritten);
      this.metrics.passthroughBytes.inc({ host, direction: 'upstream_to_client' }, client.bytesWritten);
    };
    upstream.setTimeout(this.connectTimeoutMs, () => {
      if (connected) return; // the linger timeout, handled by onLingerTimeout
      this.metrics.upstreamError(clusterId, 'timeout');
      upstream.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) this.metrics.upstreamError(clusterId, upstreamFailureReason(err));
      this.logger.debug({ host, upstream: endpoint.key, err: err.message, connected }, 'passthrough upstream error');
    });
    client.on('error', (err) => this.logger.debug({ host, err: err.message }, 'passthrough client error'));
    client.once('close', (hadError: boolean) => {
      closeOther(upstream, hadError || !client.readableEnded);
      onClose();
    });
    upstream.once('close', (hadError: boolean) => {
      closeOther(client, hadError || !upstream.readableEnded || !connected);
      onClose();
    });
    // The ClientHello goes first; the socket queues it until connected. Then both directions are piped with
    // backpressure, and a FIN is passed on (both sockets allow half-open) so TCP-level half-close survives the relay.
    upstream.write(buffered);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Cuts every relayed connection (shutdown, after requests have drained). */
  destroyAll(): void {
    for (const { client, upstream } of this.live) {
      client.destroy();
      upstream.destroy();
    }
  }
}

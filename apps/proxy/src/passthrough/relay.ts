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

/** Where a relay goes, and its labels. */
interface RelayTarget {
  /** An endpoint address, or a DNS name (global passthrough). */
  readonly address: string;
  readonly port: number;
  /** `address:port`, for logs. */
  readonly key: string;
  /** The passthrough metrics' host label: a table host name, or a global passthrough allow-list entry. */
  readonly host: string;
  /** The upstream error metric's cluster label. */
  readonly cluster: string;
}

/** Upstream errors of global passthrough relays are counted under this cluster label (there is no cluster). */
export const GLOBAL_PASSTHROUGH_CLUSTER = 'global-passthrough';

/**
 * After one side has closed cleanly, how long the other may take to flush what is queued for it and close in turn
 * before it is cut: a peer that never closes its half must not hold the relay open.
 */
const LINGER_MS = 5_000;

function onLingerTimeout(this: net.Socket): void {
  this.destroy();
}

/**
 * Relays a TLS connection as raw TCP: for a passthrough host to an endpoint of the host's cluster, for global
 * passthrough to `<SNI>:<upstreamPort>`. The proxy never sees the plaintext and the client sees the backend's own
 * certificate. The connection belongs to the generation it was routed by only for the endpoint choice; a later
 * table does not touch it.
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
    endpoint.inFlight++;
    this.pipe(client, buffered, { address: endpoint.address, port: endpoint.port, key: endpoint.key, host, cluster: clusterId }, () => endpoint.inFlight--);
  }

  /**
   * Global passthrough: relays to `<name>:<port>`, the name resolved by DNS like any client would (the SNI, already
   * checked against the allow-list). `pattern` is the allow-list entry that matched, the metric label.
   */
  relayToName(client: net.Socket, buffered: Buffer, name: string, port: number, pattern: string): void {
    this.pipe(client, buffered, { address: name, port, key: `${name}:${port}`, host: pattern, cluster: GLOBAL_PASSTHROUGH_CLUSTER }, undefined);
  }

  private pipe(client: net.Socket, buffered: Buffer, target: RelayTarget, onClosed: (() => void) | undefined): void {
    const { host, cluster: clusterId } = target;
    this.metrics.passthroughConnections.inc({ host });
    const upstream = net.connect({ host: target.address, port: target.port, noDelay: true, allowHalfOpen: true });
    const relayed: Relayed = { client, upstream };
    this.live.add(relayed);
    let connected = false;
    let closed = 0;
    const closeOther = (other: net.Socket, hadError: boolean): void => {
      if (hadError) return void other.destroy();
      if (other.destroyed) return;
      // A clean close: the pipe has usually ended `other` already; let it flush what it still holds, within a bound.
      // end() again would only build (with a stack trace) an error nobody reads: 4% of the passthrough profile.
      if (!other.writableEnded) other.end();
      other.setTimeout(LINGER_MS, onLingerTimeout);
    };
    const onClose = (): void => {
      // Both have closed once this has run twice.
      if (++closed < 2) return;
      this.live.delete(relayed);
      onClosed?.();
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
      this.logger.debug({ host, upstream: target.key, err: err.message, connected }, 'passthrough upstream error');
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

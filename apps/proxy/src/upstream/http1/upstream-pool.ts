import net, { isIP } from 'node:net';
import tls from 'node:tls';
import type { UpstreamTlsTarget } from '../tls-options.js';
import { bodyFraming, requestHead } from './request-head.js';
import { UpstreamConnection, type ConnectionOwner, type UpstreamHandler, type UpstreamRequest } from './upstream-connection.js';

/** Connecting may take this long before the request fails with 504 (the proxy's upstream timeout still bounds it). */
const CONNECT_TIMEOUT_MS = 10_000;
/** TCP keep-alive probes on upstream connections, so a peer that vanished is noticed on an idle connection. */
const TCP_KEEPALIVE_MS = 60_000;

/**
 * The keep-alive connections to one endpoint (over TLS when the cluster says so): an idle one is reused, most
 * recently used first so that the others age out; otherwise a new one is opened. No cap and no queue, as undici's
 * Pool was configured: the proxy's in-flight requests bound the connections, and the upstream timeout bounds a wait.
 */
export class UpstreamPool implements ConnectionOwner {
  /** `host` for a request that carries none (an HTTP/1.0 client's): the endpoint. */
  readonly defaultHost: string;
  /** No new request is meant for this pool (its endpoint left the table); connections close once their request ends. */
  closed = false;
  private readonly idle: UpstreamConnection[] = [];
  private readonly busy = new Set<UpstreamConnection>();
  /** The latest TLS session, offered when connecting again (an abbreviated handshake, as undici and https.Agent do). */
  private tlsSession: Buffer | undefined;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly tls: UpstreamTlsTarget | null,
  ) {
    this.defaultHost = `${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
  }

  /**
   * Sends `request` on an idle connection or a new one; everything after is reported to `handler`. A request that
   * cannot be sent (a value HTTP/1.1 cannot carry) is reported at once, before any connection is taken: null then.
   */
  request(request: UpstreamRequest, handler: UpstreamHandler): UpstreamConnection | null {
    const framing = bodyFraming(request.headers, request.body !== null);
    let head: string;
    try {
      head = requestHead(request.method, request.target, request.headers, this.defaultHost, framing);
    } catch (err) {
      handler.onResponseError(err as NodeJS.ErrnoException);
      return null;
    }
    const connection = this.takeIdle(Date.now()) ?? this.connect();
    this.busy.add(connection);
    connection.send(head, framing, request, handler);
    return connection;
  }

  /**
   * The most recently used connection still within its idle limit; the ones past it are closed on the way, and one
   * the upstream just closed (destroyed, its 'close' not yet emitted) is passed over.
   */
  private takeIdle(now: number): UpstreamConnection | undefined {
    let connection: UpstreamConnection | undefined;
    while ((connection = this.idle.pop()) !== undefined) {
      if (!connection.socket.destroyed && now - connection.idleSince < connection.idleLimitMs) return connection;
      connection.destroy();
    }
    return undefined;
  }

  release(connection: UpstreamConnection): void {
    this.busy.delete(connection);
    if (this.closed) return connection.destroy();
    connection.idleSince = Date.now();
    this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    this.busy.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
  }

  /** Closes the idle connections past their idle limit at `now`. */
  closeExpired(now: number): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const connection = this.idle[i]!;
      if (now - connection.idleSince < connection.idleLimitMs) continue;
      this.idle.splice(i, 1);
      connection.destroy();
    }
  }

  /** Idle connections close now, busy ones when their request is over. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  destroy(): void {
    this.close();
    for (const connection of this.busy) connection.destroy();
  }

  private connect(): UpstreamConnection {
    const { address: host, port } = this;
    const target = this.tls;
    const socket = target
      ? tls.connect({ ...target.connect, host, port, ALPNProtocols: ['http/1.1'], session: this.tlsSession })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    if (target) socket.on('session', (session: Buffer) => (this.tlsSession = session));
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`connecting to ${this.defaultHost} timed out`), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    socket.once(target ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return new UpstreamConnection(this, socket);
  }
}

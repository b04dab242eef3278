import net, { isIP } from 'node:net';
import tls from 'node:tls';
import type { UpstreamTlsTarget } from '../tls-options.js';
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

  /** Sends `request` on an idle connection or a new one; everything after is reported to `handler`. */
  request(request: UpstreamRequest, handler: UpstreamHandler): UpstreamConnection {
    const connection = this.idle.pop() ?? this.connect();
    this.busy.add(connection);
    connection.send(request, handler);
    return connection;
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

  /** Closes connections idle since before `cutoff` (the oldest are first in the list). */
  closeIdleSince(cutoff: number): void {
    while (this.idle.length > 0 && this.idle[0]!.idleSince < cutoff) this.idle.shift()!.destroy();
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

import type http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { ActiveConfig } from '../config/active-config.js';
import type { Logger } from '../observability/logger.js';
import { clientPolicy, type ClientPolicy } from './client-auth-policy.js';
import { captureClientChainOnHandshake } from './client-chain.js';
import type { BuiltContext } from './secure-contexts.js';
import type { SniCallback } from './terminating-server.js';

/** Creates the terminating server for a policy, wired for requests; `SNICallback` picks its certificates. */
export type ClientAuthServerFactory = (policy: ClientPolicy, SNICallback: SniCallback) => http2.Http2SecureServer;

/** The certificate for an SNI (without the client-auth CAs), as the server without client auth would serve it. */
export type CertificateChooser = (serverName: string) => BuiltContext;

interface Entry {
  readonly policy: ClientPolicy;
  /** Null when the policy's CA bundle does not load: its hosts refuse every connection. */
  readonly server: http2.Http2SecureServer | null;
  /**
   * Each serving certificate with this policy's CAs added. OpenSSL verifies the client against the CAs of the
   * context SNICallback switched to, not the server's, so every certificate needs a copy with the CAs. Keyed by the
   * table's built context: a rotated certificate is a new object, and the old copy goes with it.
   */
  readonly contexts: WeakMap<BuiltContext, tls.SecureContext>;
  connections: number;
}

/**
 * One terminating server per distinct client policy (trusted CAs + verify depth), created on first use. The TLS
 * listener picks the policy from the SNI before TLS starts, so a host that requires client certificates gets a
 * server that asks for them, and every other host keeps a server that never does.
 *
 * Tables change policies; a server whose policy no table uses any more is closed once its last connection ends
 * (connections keep the server they started on, like they keep their generation).
 */
export class ClientAuthServers {
  private readonly entries = new Map<string, Entry>();
  /** The policy keys a table uses, worked out once per generation. */
  private readonly keysInUse = new WeakMap<ActiveConfig, Set<string>>();
  /** Set by closeAll: a ClientHello that completes during shutdown must not open a new server. */
  private closed = false;

  constructor(
    private readonly create: ClientAuthServerFactory,
    private readonly chooseCertificate: CertificateChooser,
    private readonly current: () => ActiveConfig | null,
    private readonly logger: Logger,
  ) {}

  /** Servers alive now (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The server that terminates `socket` under `policy`, counting the connection until the socket closes; null when
   * the policy's CAs do not load, or after closeAll (the caller refuses the connection).
   */
  take(policy: ClientPolicy, socket: net.Socket): http2.Http2SecureServer | null {
    if (this.closed) return null;
    const entry = this.entries.get(policy.key) ?? this.open(policy);
    if (!entry.server) return null;
    entry.connections++;
    socket.once('close', () => {
      entry.connections--;
      if (entry.connections === 0) this.retireIfUnused(entry);
    });
    return entry.server;
  }

  /** Closes the servers of policies the current table no longer uses and that have no connection left. */
  prune(): void {
    for (const entry of this.entries.values()) if (entry.connections === 0) this.retireIfUnused(entry);
  }

  /** Closes every server (shutdown): their HTTP/2 sessions are asked to finish; connections are ended by the listener. */
  closeAll(): void {
    this.closed = true;
    for (const entry of this.entries.values()) entry.server?.close();
    this.entries.clear();
  }

  private open(policy: ClientPolicy): Entry {
    const contexts = new WeakMap<BuiltContext, tls.SecureContext>();
    let server: http2.Http2SecureServer | null = null;
    if (policy.valid) {
      const { chooseCertificate } = this;
      // A function, not an arrow: Node calls it with the handshaking TLS socket as `this`, the one place that
      // socket is reachable before its handshake ends (see captureClientChainOnHandshake for why that matters).
      const SNICallback: SniCallback = function (this: unknown, serverName, cb) {
        if (this instanceof tls.TLSSocket) captureClientChainOnHandshake(this);
        try {
          cb(null, contextWithCas(contexts, chooseCertificate(serverName), policy));
        } catch (err) {
          cb(err as Error);
        }
      };
      try {
        server = this.create(policy, SNICallback);
      } catch (err) {
        server = null;
        this.logger.error({ policy: policy.key, err: (err as Error).message }, 'client CA bundle does not load; its hosts refuse every connection');
      }
    } else {
      this.logger.error({ policy: policy.key }, 'client CA bundle holds no readable certificate; its hosts refuse every connection');
    }
    const entry: Entry = { policy, server, contexts, connections: 0 };
    this.entries.set(policy.key, entry);
    return entry;
  }

  private retireIfUnused(entry: Entry): void {
    const config = this.current();
    if (config && this.policiesOf(config).has(entry.policy.key)) return;
    if (this.entries.get(entry.policy.key) !== entry) return;
    this.entries.delete(entry.policy.key);
    entry.server?.close(); // never listening, and with no connection left: this only releases it
  }

  private policiesOf(config: ActiveConfig): Set<string> {
    let keys = this.keysInUse.get(config);
    if (!keys) {
      keys = new Set();
      for (const vhost of config.table.virtualHosts) {
        if (vhost.tls?.mode === 'terminate' && vhost.tls.clientAuth) keys.add(clientPolicy(vhost.tls.clientAuth).key);
      }
      this.keysInUse.set(config, keys);
    }
    return keys;
  }
}

function contextWithCas(contexts: WeakMap<BuiltContext, tls.SecureContext>, base: BuiltContext, policy: ClientPolicy): tls.SecureContext {
  let context = contexts.get(base);
  if (!context) {
    // Built once per certificate and policy, on the first handshake that needs it (it parses the key again).
    context = tls.createSecureContext({ cert: base.certPem, key: base.keyPem, ca: policy.caPem });
    contexts.set(base, context);
  }
  return context;
}

import http2 from 'node:http2';
import type { Logger } from '../observability/logger.js';
import type { UpstreamTlsTarget } from './tls-options.js';

/**
 * Assumed peer stream limit until a session's SETTINGS arrive (Node's own default); afterwards the limit the
 * endpoint last announced is assumed for its new sessions. Streams sent beyond the real limit before SETTINGS arrive
 * are refused by the peer (REFUSED_STREAM), which the request path retries for bodiless requests.
 */
const DEFAULT_PEER_STREAMS = 100;
/**
 * Streams put on one session before another is opened, even when the peer allows more (many gRPC servers advertise
 * no limit): long-lived streaming calls should not all share one TCP connection's congestion window.
 */
const MAX_STREAMS_PER_SESSION = 500;
/** Beyond this many sessions per endpoint, new streams go to the least busy session and wait there for a slot. */
const MAX_SESSIONS_PER_ORIGIN = 4;
/** A session with no streams and no traffic for this long is closed. */
const IDLE_SESSION_MS = 60_000;
/** A connect (TCP and TLS) that takes longer is abandoned; its waiting streams fail with ETIMEDOUT (504). */
const CONNECT_TIMEOUT_MS = 10_000;

interface PooledSession {
  readonly session: http2.ClientHttp2Session;
  /** Streams opened and not yet closed. */
  active: number;
  /** How many streams this session takes before another is opened. */
  limit: number;
}

const POOLED = Symbol('portico.h2.pooled');
const ORIGIN = Symbol('portico.h2.origin');
type Tagged = { [POOLED]?: PooledSession; [ORIGIN]?: H2Origin };

function pooledOf(emitter: object): PooledSession {
  return (emitter as Tagged)[POOLED] as PooledSession;
}
function originOf(emitter: object): H2Origin {
  return (emitter as Tagged)[ORIGIN] as H2Origin;
}

/**
 * HTTP/2 to one upstream endpoint (cleartext h2c, or h2 over TLS): normally one session, reused by every request and
 * across configuration generations. A session that closes, is told to go away (GOAWAY) or errors is forgotten and the
 * next request connects a new one; streams already running on it finish there. When a session is at its stream
 * limit, another is opened, up to a small number per endpoint.
 */
export class H2Origin {
  private readonly sessions: PooledSession[] = [];
  private readonly options: http2.SecureClientSessionOptions;
  /** The stream limit this endpoint announced last (it is the same server on every session). */
  private peerLimit = DEFAULT_PEER_STREAMS;

  private readonly idleMs: number;
  private readonly connectTimeoutMs: number;

  constructor(
    /** `http://addr:port` (h2c) or `https://addr:port`. */
    readonly url: string,
    tls: UpstreamTlsTarget | null,
    private readonly logger: Logger,
    timings: { idleMs?: number; connectTimeoutMs?: number } = {},
  ) {
    this.idleMs = timings.idleMs ?? IDLE_SESSION_MS;
    this.connectTimeoutMs = timings.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.options = {
      ...(tls ? tls.connect : {}),
      // http2.connect sets ALPN itself for https URLs; stated here because h2 is the whole point.
      ALPNProtocols: ['h2'],
      // A proxy has no use for server push.
      settings: { enablePush: false },
    } as http2.SecureClientSessionOptions;
  }

  /**
   * Opens a request stream. Throws what `ClientHttp2Session.request` throws (invalid headers, a session that has
   * just been destroyed); the caller answers 502.
   */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    const pooled = this.pick();
    const stream = pooled.session.request(headers);
    pooled.active++;
    (stream as Tagged)[POOLED] = pooled;
    stream.once('close', onStreamClose);
    return stream;
  }

  /** Sessions currently open or connecting. */
  get sessionCount(): number {
    return this.sessions.length;
  }

  /** Leaves the pool: sessions stop taking new streams (GOAWAY) and close once their streams have finished. */
  retire(): void {
    for (const pooled of this.sessions) if (!pooled.session.closed) pooled.session.close();
  }

  get busy(): boolean {
    return this.sessions.length > 0;
  }

  destroy(): void {
    for (const pooled of this.sessions.splice(0)) pooled.session.destroy();
  }

  /** The first live session with room (so load stays on as few connections as possible), else a new one if allowed. */
  private pick(): PooledSession {
    let leastBusy: PooledSession | undefined;
    for (const pooled of this.sessions) {
      const { session } = pooled;
      if (session.closed || session.destroyed) continue;
      if (pooled.active < pooled.limit) return pooled;
      if (!leastBusy || pooled.active < leastBusy.active) leastBusy = pooled;
    }
    // All full and no more sessions allowed: nghttp2 queues the stream until the peer has a free slot.
    if (leastBusy && this.liveCount() >= MAX_SESSIONS_PER_ORIGIN) return leastBusy;
    return this.connect();
  }

  private liveCount(): number {
    let n = 0;
    for (const { session } of this.sessions) if (!session.closed && !session.destroyed) n++;
    return n;
  }

  private connect(): PooledSession {
    // A retired origin can still be asked (a retry of a request routed by an older generation); its new session is
    // closed when idle like any other.
    const session = http2.connect(this.url, { ...this.options, peerMaxConcurrentStreams: this.peerLimit });
    // Like an http.Agent's idle sockets, a pooled session never keeps the process alive by itself.
    session.unref();
    const pooled: PooledSession = { session, active: 0, limit: Math.min(this.peerLimit, MAX_STREAMS_PER_SESSION) };
    (session as Tagged)[POOLED] = pooled;
    (session as Tagged)[ORIGIN] = this;
    this.sessions.push(pooled);
    session.on('remoteSettings', onRemoteSettings);
    session.on('error', onSessionError);
    session.on('goaway', onSessionGone);
    session.on('close', onSessionGone);
    // A listener of its own: setTimeout's callback is a `once`, and a session found busy must be checked again later.
    session.setTimeout(this.idleMs);
    session.on('timeout', onSessionIdle);
    const timer = setTimeout(onConnectTimeout, this.connectTimeoutMs, session);
    const clear = (): void => clearTimeout(timer);
    session.once('connect', clear);
    session.once('close', clear);
    return pooled;
  }

  /** The session event handlers below report here. */
  settingsReceived(pooled: PooledSession, maxConcurrentStreams: number | undefined): void {
    // No value: the peer sets no limit (RFC 9113 §6.5.2: unlimited by default).
    this.peerLimit = Math.max(1, maxConcurrentStreams ?? 0x7fffffff);
    pooled.limit = Math.min(this.peerLimit, MAX_STREAMS_PER_SESSION);
  }

  forget(pooled: PooledSession): void {
    const i = this.sessions.indexOf(pooled);
    if (i !== -1) this.sessions.splice(i, 1);
  }

  reportError(err: NodeJS.ErrnoException): void {
    // Never the options: they hold the client key. OpenSSL's and Node's messages do not.
    this.logger.debug({ upstream: this.url, code: err.code, err: err.message }, 'HTTP/2 upstream session error');
  }
}

function onStreamClose(this: http2.ClientHttp2Stream): void {
  pooledOf(this).active--;
}
function onRemoteSettings(this: http2.ClientHttp2Session, settings: http2.Settings): void {
  originOf(this).settingsReceived(pooledOf(this), settings.maxConcurrentStreams);
}
function onSessionError(this: http2.ClientHttp2Session, err: Error): void {
  // Streams on the session fail with their own errors, which is where requests are answered; this is for the log.
  originOf(this).reportError(err);
  originOf(this).forget(pooledOf(this));
}
function onSessionGone(this: http2.ClientHttp2Session): void {
  originOf(this).forget(pooledOf(this));
}
function onSessionIdle(this: http2.ClientHttp2Session): void {
  // The timeout measures silence on the session; a long-lived stream with nothing to say must not be cut.
  if (pooledOf(this).active === 0) this.close();
}
function onConnectTimeout(session: http2.ClientHttp2Session): void {
  if (session.connecting) session.destroy(Object.assign(new Error('connecting to the upstream timed out'), { code: 'ETIMEDOUT' }));
}

export const h2OriginUrl = (address: string, port: number, tls: boolean): string =>
  `${tls ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;

/**
 * The HTTP/2 origins of every h2 cluster endpoint, keyed like the agent pool (endpoint plus TLS fingerprint), reused
 * across generations. Keys that leave the table are retired: their sessions close gracefully once their streams end.
 */
export class H2SessionPool {
  private readonly origins = new Map<string, H2Origin>();
  private readonly retiring = new Set<H2Origin>();

  /** `tls` must be the same for every call with the same key (the key includes its fingerprint). */
  acquire(key: string, address: string, port: number, tls: UpstreamTlsTarget | null, logger: Logger): H2Origin {
    let origin = this.origins.get(key);
    if (!origin) {
      origin = new H2Origin(h2OriginUrl(address, port, tls !== null), tls, logger);
      this.origins.set(key, origin);
    }
    return origin;
  }

  retainOnly(liveKeys: ReadonlySet<string>): void {
    for (const origin of this.retiring) if (!origin.busy) this.retiring.delete(origin);
    for (const [key, origin] of this.origins) {
      if (liveKeys.has(key)) continue;
      this.origins.delete(key);
      origin.retire();
      if (origin.busy) this.retiring.add(origin);
    }
  }

  get size(): number {
    return this.origins.size;
  }

  destroyAll(): void {
    for (const origin of this.origins.values()) origin.destroy();
    for (const origin of this.retiring) origin.destroy();
    this.origins.clear();
    this.retiring.clear();
  }
}

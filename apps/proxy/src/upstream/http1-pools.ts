import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';

/** Idle upstream sockets close before a typical upstream's own keep-alive timeout (Node: 5 s) to avoid reuse races. */
const FREE_SOCKET_TIMEOUT_MS = 4_000;
const RETIRE_SWEEP_MS = 1_000;

/**
 * One keep-alive agent per upstream endpoint, shared by every cluster that lists the endpoint and reused across
 * configuration generations, so a config swap never costs a reconnect. Plain endpoints are keyed `address:port` and
 * get an `http.Agent`; TLS endpoints are keyed by the endpoint and the TLS parameters' fingerprint and get an
 * `https.Agent` carrying those parameters, so changed parameters (a rotated CA or client certificate) get a new
 * agent while unchanged ones keep their connections and TLS sessions.
 * Keys that leave the table are retired: their agent is destroyed once no request is using it any more.
 */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly retiring = new Map<string, http.Agent>();
  private sweepTimer: NodeJS.Timeout | undefined;

  /** `tlsOptions` must be the same for every call with the same key (the key includes their fingerprint). */
  acquire(key: string, tlsOptions?: Readonly<tls.ConnectionOptions>): http.Agent {
    let agent = this.agents.get(key) ?? this.retiring.get(key);
    if (agent) {
      this.retiring.delete(key);
    } else {
      const options = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' } as const;
      agent = tlsOptions ? new https.Agent({ ...options, ...tlsOptions }) : new http.Agent(options);
    }
    this.agents.set(key, agent);
    return agent;
  }

  /** Retire every agent whose endpoint is not in `liveKeys`. */
  retainOnly(liveKeys: ReadonlySet<string>): void {
    for (const [key, agent] of this.agents) {
      if (liveKeys.has(key)) continue;
      this.agents.delete(key);
      this.retiring.set(key, agent);
    }
    this.sweep();
  }

  get size(): number {
    return this.agents.size;
  }

  get retiringCount(): number {
    return this.retiring.size;
  }

  destroyAll(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const agent of this.agents.values()) agent.destroy();
    for (const agent of this.retiring.values()) agent.destroy();
    this.agents.clear();
    this.retiring.clear();
  }

  private sweep(): void {
    for (const [key, agent] of this.retiring) {
      if (isBusy(agent)) continue;
      agent.destroy();
      this.retiring.delete(key);
    }
    if (this.retiring.size > 0 && !this.sweepTimer) {
      this.sweepTimer = setInterval(() => this.sweep(), RETIRE_SWEEP_MS);
      this.sweepTimer.unref();
    } else if (this.retiring.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }
}

function isBusy(agent: http.Agent): boolean {
  return hasEntries(agent.sockets) || hasEntries(agent.requests);
}

function hasEntries(byName: NodeJS.ReadOnlyDict<unknown[]>): boolean {
  for (const name in byName) if ((byName[name]?.length ?? 0) > 0) return true;
  return false;
}

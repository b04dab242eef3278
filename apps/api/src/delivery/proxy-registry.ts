import type { ProxyAck } from '@portico/model';

export interface ProxyStatus {
  id: string;
  connected: boolean;
  /** ISO time the current connection opened. */
  connectedAt: string;
  remoteAddress: string | null;
  /** Highest generation the proxy reported as applied, or null before its first successful ack. */
  appliedGeneration: number | null;
  appliedAt: string | null;
  /** From detecting the change behind `appliedGeneration` to receiving the proxy's ack. */
  propagationMs: number | null;
  /** The proxy's own time to validate and swap in the table. */
  applyMs: number | null;
  /** The proxy's last rejection, cleared by the next successful ack. */
  lastError: { generation: number; message: string } | null;
}

export interface AckOutcome {
  /** False when no stream of that proxy is open: the ack is not kept, since the proxy is not in the registry. */
  recorded: boolean;
  status?: ProxyStatus;
}

interface Entry {
  status: ProxyStatus;
  /** A reconnecting proxy may briefly hold two streams; it leaves the registry when the last one closes. */
  openStreams: number;
}

/** What happened to a proxy, for the live event stream (`GET /api/v1/events`). */
export type ProxyRegistryEvent =
  | { type: 'proxy-connected'; proxyId: string; remoteAddress: string | null }
  | { type: 'proxy-disconnected'; proxyId: string }
  | { type: 'proxy-applied'; proxyId: string; generation: number; propagationMs: number | null; applyMs: number }
  | { type: 'proxy-rejected'; proxyId: string; generation: number; error: string };
export type ProxyRegistryListener = (event: ProxyRegistryEvent) => void;

/** The proxies with an open config stream, and what each has applied. */
export class ProxyRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<ProxyRegistryListener>();

  /** Connections (first stream), disconnections (last stream closed) and acks. Returns an unsubscribe function. */
  onEvent(listener: ProxyRegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ProxyRegistryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure must not break delivery
      }
    }
  }

  connect(id: string, remoteAddress: string | undefined, now = new Date()): () => void {
    const existing = this.entries.get(id);
    if (existing) {
      existing.openStreams += 1;
      existing.status.connectedAt = now.toISOString();
    } else {
      this.entries.set(id, {
        openStreams: 1,
        status: {
          id,
          connected: true,
          connectedAt: now.toISOString(),
          remoteAddress: remoteAddress ?? null,
          appliedGeneration: null,
          appliedAt: null,
          propagationMs: null,
          applyMs: null,
          lastError: null,
        },
      });
      this.emit({ type: 'proxy-connected', proxyId: id, remoteAddress: remoteAddress ?? null });
    }
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const entry = this.entries.get(id);
      if (entry && --entry.openStreams === 0) {
        this.entries.delete(id);
        this.emit({ type: 'proxy-disconnected', proxyId: id });
      }
    };
  }

  recordAck(ack: ProxyAck, propagationMs: number | undefined, now = new Date()): AckOutcome {
    const entry = this.entries.get(ack.proxyId);
    if (!entry) return { recorded: false };
    const status = entry.status;
    if (!ack.ok) {
      status.lastError = { generation: ack.generation, message: ack.error ?? 'rejected without a reason' };
      this.emit({ type: 'proxy-rejected', proxyId: ack.proxyId, generation: ack.generation, error: status.lastError.message });
    } else if (status.appliedGeneration === null || ack.generation >= status.appliedGeneration) {
      // A late ack for an older generation must not move the proxy backwards.
      status.appliedGeneration = ack.generation;
      status.appliedAt = now.toISOString();
      status.propagationMs = propagationMs ?? null;
      status.applyMs = ack.applyMs;
      status.lastError = null;
      this.emit({ type: 'proxy-applied', proxyId: ack.proxyId, generation: ack.generation, propagationMs: status.propagationMs, applyMs: ack.applyMs });
    }
    return { recorded: true, status: { ...status } };
  }

  list(): ProxyStatus[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.status })).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** True when every connected proxy has applied at least this generation (vacuously true with none). */
  allApplied(generation: number): boolean {
    return [...this.entries.values()].every((entry) => (entry.status.appliedGeneration ?? -1) >= generation);
  }
}

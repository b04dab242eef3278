import type { Diagnostic, LiveEvent, LiveEventType } from '@portico/model';
import { stableJson } from '../shared/stable-json.js';

export { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventType } from '@portico/model';

export type LiveEventListener = (event: LiveEvent) => void;

/**
 * Numbers events and keeps the last `capacity` for `Last-Event-ID` replay. Ids are per API process and increase by
 * one; a client whose last id is older than the ring's oldest gets what the ring still has.
 */
export class LiveEventHub {
  private readonly ring: LiveEvent[] = [];
  private readonly listeners = new Set<LiveEventListener>();
  private nextId = 1;

  constructor(private readonly capacity = 256) {}

  emit(type: LiveEventType, data: Record<string, unknown>, now = new Date()): LiveEvent {
    const event: LiveEvent = { id: this.nextId++, type, time: now.toISOString(), data };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Events after `lastId` still held (all held ones when `lastId` is older than the ring). */
  since(lastId: number): LiveEvent[] {
    return this.ring.filter((event) => event.id > lastId);
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastId(): number {
    return this.nextId - 1;
  }
}

/** `event:`/`id:`/`data:` lines of one SSE message (data is one JSON line, so never needs splitting). */
export function formatSse(event: LiveEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify({ id: event.id, type: event.type, time: event.time, ...event.data })}\n\n`;
}

/** What was raised and cleared between two diagnostic sets (compared by content). */
export function diffDiagnostics(before: Map<string, Diagnostic>, after: Diagnostic[]): { raised: Diagnostic[]; cleared: Diagnostic[]; next: Map<string, Diagnostic> } {
  const next = new Map<string, Diagnostic>();
  for (const diagnostic of after) next.set(stableJson(diagnostic), diagnostic);
  const raised = [...next].filter(([key]) => !before.has(key)).map(([, d]) => d);
  const cleared = [...before].filter(([key]) => !next.has(key)).map(([, d]) => d);
  return { raised, cleared, next };
}

/**
 * The live event stream's contract (`GET /api/v1/events`, Server-Sent Events): the API sends these names as each
 * event's `event:` field, and the dashboard subscribes to each by name. Its own entry point (`@portico/model/live-events`)
 * keeps zod out of the browser bundle.
 */
export const LIVE_EVENT_TYPES = [
  'generation',
  'proxy-applied',
  'proxy-rejected',
  'proxy-connected',
  'proxy-disconnected',
  'diagnostic-raised',
  'diagnostic-cleared',
  'object-changed',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  /** Increases by one per API process; a reconnecting client sends the last one it saw as Last-Event-ID. */
  id: number;
  type: LiveEventType;
  /** ISO time the API emitted it. */
  time: string;
  data: Record<string, unknown>;
}

import { z } from 'zod';
import { DiagnosticSchema } from '@portico/model';
import type { ProxyRegistryEvent } from '../delivery/proxy-registry.js';
import type { LiveEventType } from './live-events.js';

/**
 * The JSON of each `data:` line of `GET /api/v1/events` ({id, type, time} and the event's own fields), published in
 * the OpenAPI document as `LiveEvent` (see openapi/api-schemas.ts), although the transport is text/event-stream.
 */
const base = <T extends LiveEventType>(type: T) =>
  z.object({
    id: z.number().int().describe('increases by one per event (per API process); send it back as Last-Event-ID'),
    type: z.literal(type),
    time: z.string().describe('ISO time the API emitted the event'),
  });


export const LiveEventSchema = z.discriminatedUnion('type', [
  base('generation').extend({
    generation: z.number().int().describe('a new routing table was published'),
    virtualHosts: z.number().int(),
    routes: z.number().int(),
    clusters: z.number().int(),
    certificates: z.number().int(),
  }),
  base('proxy-applied').extend({ proxyId: z.string(), generation: z.number().int(), propagationMs: z.number().nullable().describe('change detected → ack received'), applyMs: z.number() }),
  base('proxy-rejected').extend({ proxyId: z.string(), generation: z.number().int(), error: z.string() }),
  base('proxy-connected').extend({ proxyId: z.string(), remoteAddress: z.string().nullable() }),
  base('proxy-disconnected').extend({ proxyId: z.string() }),
  base('diagnostic-raised').extend({ generation: z.number().int(), diagnostic: DiagnosticSchema }),
  base('diagnostic-cleared').extend({ generation: z.number().int(), diagnostic: DiagnosticSchema }),
  base('object-changed').extend({ source: z.enum(['files', 'kubernetes']).describe('the source whose objects changed') }),
]);
export type LiveEventPayload = z.infer<typeof LiveEventSchema>;

// Tied to the code: every event name has a payload, and the proxy events are the registry's events as they are.
type WithoutStamp<T> = T extends unknown ? Omit<T, 'id' | 'time'> : never;
const everyType: Exclude<LiveEventType, LiveEventPayload['type']> extends never ? true : never = true;
const proxyEvents = (event: ProxyRegistryEvent): WithoutStamp<LiveEventPayload> => event;
void [everyType, proxyEvents];

export const LIVE_EVENT_EXAMPLE =
  'id: 42\nevent: proxy-applied\ndata: {"id":42,"type":"proxy-applied","time":"2026-01-01T12:00:00.000Z","proxyId":"proxy-a","generation":7,"propagationMs":84,"applyMs":3}\n\n';

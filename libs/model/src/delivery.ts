import { z } from 'zod';
import { RoutingTableSchema } from './routing-table.js';

/**
 * The configuration delivery protocol between the API and each proxy.
 *
 * A proxy opens `GET {CONFIG_STREAM_PATH}?proxyId=ID&generation=N` (bearer proxy token) and reads a stream of
 * newline-delimited JSON messages. It acknowledges each applied generation with `POST {CONFIG_ACK_PATH}`.
 */
export const CONFIG_STREAM_PATH = '/api/v1/proxy-config/stream';
export const CONFIG_ACK_PATH = '/api/v1/proxy-config/ack';

export const StreamMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('config'), table: RoutingTableSchema }),
  z.object({ type: z.literal('ping'), generation: z.number().int().nonnegative() }),
]);
export type StreamMessage = z.infer<typeof StreamMessageSchema>;

export const ProxyAckSchema = z.object({
  proxyId: z.string().min(1).max(128),
  generation: z.number().int().nonnegative(),
  ok: z.boolean(),
  /** Milliseconds the proxy spent validating and swapping in the table. */
  applyMs: z.number().nonnegative(),
  error: z.string().max(2000).optional(),
});
export type ProxyAck = z.infer<typeof ProxyAckSchema>;

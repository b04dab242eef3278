import { z } from 'zod';

export { ProxyTrafficReportSchema, TRAFFIC_REPORT_PATH, TrafficSeriesSchema, type ProxyTrafficReport } from '@portico/model';

export const TrafficReportResultSchema = z.object({ accepted: z.boolean() });

const LatencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
const TrafficStatsSchema = z.object({
  requests: z.number().int(),
  requestsPerSecond: z.number(),
  errors: z.number().int().describe('5xx responses'),
  errorRate: z.number().describe('share of 5xx responses, 0 to 1'),
  latencyMs: LatencySchema.describe('estimated from the histogram buckets; null without requests; the top bucket reads as its lower bound'),
});

export const TrafficSummarySchema = z.object({
  windowSeconds: z.number().int(),
  from: z.string(),
  to: z.string(),
  proxies: z.array(z.object({ id: z.string(), lastReportAt: z.string() })),
  hosts: z.array(TrafficStatsSchema.extend({ host: z.string() })),
  routes: z.array(TrafficStatsSchema.extend({ host: z.string(), route: z.string() })),
});
export type TrafficSummary = z.infer<typeof TrafficSummarySchema>;

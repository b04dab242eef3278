import { z } from 'zod';

/**
 * `POST {TRAFFIC_REPORT_PATH}` (proxy token): a proxy's request counts per 10-s slot, for the API's traffic summary
 * without Prometheus. Cumulative per slot: a slot reported again replaces the earlier numbers.
 */
export const TRAFFIC_REPORT_PATH = '/api/v1/proxy-traffic';

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const TrafficSeriesSchema = z.object({
  host: z.string().max(300),
  route: z.string().max(300),
  requests: count,
  /** Responses with a 5xx status. */
  errors: count,
  /** Counts per latency bucket (`bucketsMs`), plus one overflow bucket last. */
  latency: z.array(count).max(33),
});

export const ProxyTrafficReportSchema = z
  .object({
    proxyId: z.string().min(1).max(128),
    slotMs: z.literal(10_000),
    /** Upper bounds of the latency buckets in ms, increasing. */
    bucketsMs: z.array(z.number().positive()).min(1).max(32),
    /** Cumulative counts of each slot so far; a slot reported again replaces the earlier numbers. */
    slots: z
      .array(z.object({ start: z.number().int().nonnegative().multipleOf(10_000), series: z.array(TrafficSeriesSchema).max(2001) }))
      .max(90),
  })
  .refine((report) => report.bucketsMs.every((bound, i) => i === 0 || bound > report.bucketsMs[i - 1]!), { path: ['bucketsMs'], message: 'must increase' })
  .refine((report) => report.slots.every((slot) => slot.series.every((s) => s.latency.length === report.bucketsMs.length + 1)), {
    path: ['slots'],
    message: 'every latency array has one count per bucket plus the overflow bucket',
  });
export type ProxyTrafficReport = z.infer<typeof ProxyTrafficReportSchema>;


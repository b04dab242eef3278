import type { ProxyTrafficReport } from '@portico/model';
/**
 * Per-(host, route) request counters and a small latency histogram per 10-second slot, reported to the API for its
 * traffic summary (`GET /api/v1/traffic`) without Prometheus. The hot path is one map lookup and a few increments.
 * The report's shape is `ProxyTrafficReportSchema` in @portico/model, which the API validates.
 */
export { TRAFFIC_REPORT_PATH } from '@portico/model';
export const TRAFFIC_SLOT_MS = 10_000 as const;
/** Upper bounds (ms) of the latency buckets; one more bucket counts everything slower. */
export const TRAFFIC_LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
/** Slots kept (and re-sent, so a lost report costs nothing): 6 × 10 s. */
const KEPT_SLOTS = 6;
/** Series per slot; beyond it requests are counted under one overflow series so memory stays bounded. */
const MAX_SERIES_PER_SLOT = 2000;
const OVERFLOW = '(other)';

export interface TrafficSeries {
  host: string;
  route: string;
  requests: number;
  /** Responses with a 5xx status. */
  errors: number;
  /** Counts per bucket of TRAFFIC_LATENCY_BUCKETS_MS, plus the overflow bucket last. */
  latency: number[];
}

export interface TrafficSlot {
  /** Unix ms of the slot's start (a multiple of the slot length). */
  start: number;
  series: TrafficSeries[];
}

interface Slot {
  start: number;
  series: Map<string, TrafficSeries>;
}

export class TrafficStats {
  private readonly slots: Slot[] = [];
  private current: Slot | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  record(host: string, route: string, status: number, durationMs: number): void {
    const series = seriesIn(this.slotFor(this.now()).series, host, route);
    series.requests += 1;
    if (status >= 500) series.errors += 1;
    series.latency[bucketOf(durationMs)]! += 1;
  }

  /** The kept slots that saw requests, oldest first. */
  snapshot(proxyId: string): ProxyTrafficReport {
    const cutoff = this.now() - KEPT_SLOTS * TRAFFIC_SLOT_MS;
    return {
      proxyId,
      slotMs: TRAFFIC_SLOT_MS,
      bucketsMs: [...TRAFFIC_LATENCY_BUCKETS_MS],
      slots: this.slots
        .filter((slot) => slot.start > cutoff && slot.series.size > 0)
        .map((slot) => ({ start: slot.start, series: [...slot.series.values()].map((s) => ({ ...s, latency: [...s.latency] })) })),
    };
  }

  private slotFor(now: number): Slot {
    const start = now - (now % TRAFFIC_SLOT_MS);
    if (this.current?.start === start) return this.current;
    let slot = this.slots.find((s) => s.start === start);
    if (!slot) {
      slot = { start, series: new Map() };
      this.slots.push(slot);
      this.slots.sort((a, b) => a.start - b.start);
      while (this.slots.length > KEPT_SLOTS) this.slots.shift();
    }
    this.current = slot;
    return slot;
  }

}

/**
 * Sums the reports of several processes (a cluster's workers) into one report: counts added per slot, host and
 * route, under the same bound on series per slot.
 */
export function mergeTrafficReports(proxyId: string, reports: readonly ProxyTrafficReport[]): ProxyTrafficReport {
  const slots = new Map<number, Map<string, TrafficSeries>>();
  for (const report of reports) {
    for (const slot of report.slots) {
      let series = slots.get(slot.start);
      if (!series) slots.set(slot.start, (series = new Map()));
      for (const s of slot.series) {
        const into = seriesIn(series, s.host, s.route);
        into.requests += s.requests;
        into.errors += s.errors;
        s.latency.forEach((n, i) => (into.latency[i] = (into.latency[i] ?? 0) + n));
      }
    }
  }
  return {
    proxyId,
    slotMs: TRAFFIC_SLOT_MS,
    bucketsMs: [...TRAFFIC_LATENCY_BUCKETS_MS],
    slots: [...slots.entries()].sort(([a], [b]) => a - b).map(([start, series]) => ({ start, series: [...series.values()] })),
  };
}

const OVERFLOW_KEY = `${OVERFLOW}\u0000${OVERFLOW}`;

/** The series of (host, route) in a slot, made on first use; a slot already full counts under the overflow series. */
function seriesIn(slot: Map<string, TrafficSeries>, host: string, route: string): TrafficSeries {
  const key = `${host}\u0000${route}`;
  let series = slot.get(key);
  if (series === undefined) {
    if (slot.size >= MAX_SERIES_PER_SLOT && key !== OVERFLOW_KEY) return seriesIn(slot, OVERFLOW, OVERFLOW);
    series = { host, route, requests: 0, errors: 0, latency: new Array<number>(TRAFFIC_LATENCY_BUCKETS_MS.length + 1).fill(0) };
    slot.set(key, series);
  }
  return series;
}

function bucketOf(durationMs: number): number {
  let index = 0;
  while (index < TRAFFIC_LATENCY_BUCKETS_MS.length && durationMs > TRAFFIC_LATENCY_BUCKETS_MS[index]!) index++;
  return index;
}

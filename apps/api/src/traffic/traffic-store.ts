import type { ProxyTrafficReport, TrafficSummary } from './traffic-schemas.js';

/** The longest window a summary can cover; older slots are dropped. */
export const MAX_WINDOW_SECONDS = 900;
/** Proxies kept at once; the one that reported longest ago leaves first. */
const MAX_PROXIES = 500;
const SLOT_MS = 10_000;

interface SeriesCounts {
  host: string;
  route: string;
  requests: number;
  errors: number;
  latency: number[];
}

interface ProxyEntry {
  lastReportAt: number;
  bucketsMs: number[];
  /** slot start → series */
  slots: Map<number, SeriesCounts[]>;
}

/** The proxies' traffic reports, merged per (host, route) over a window. Bounded by time and by proxy count. */
export class TrafficStore {
  private readonly proxies = new Map<string, ProxyEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  record(report: ProxyTrafficReport): void {
    const now = this.now();
    const entry = this.proxies.get(report.proxyId) ?? { lastReportAt: now, bucketsMs: report.bucketsMs, slots: new Map() };
    // Different buckets than before (a proxy upgrade): the old counts cannot be merged with the new ones.
    if (entry.bucketsMs.join() !== report.bucketsMs.join()) entry.slots.clear();
    entry.bucketsMs = report.bucketsMs;
    entry.lastReportAt = now;
    for (const slot of report.slots) entry.slots.set(slot.start, slot.series.map((s) => ({ ...s, latency: [...s.latency] })));
    this.proxies.delete(report.proxyId);
    this.proxies.set(report.proxyId, entry);
    this.prune(now);
  }

  summary(windowSeconds: number): TrafficSummary {
    const now = this.now();
    this.prune(now);
    const from = now - windowSeconds * 1000;
    const routes = new Map<string, Aggregate & { host: string; route: string }>();
    const hosts = new Map<string, Aggregate & { host: string }>();
    for (const entry of this.proxies.values()) {
      for (const [start, series] of entry.slots) {
        // A slot counts when it ends inside the window (the current, partial slot included).
        if (start + SLOT_MS <= from) continue;
        for (const s of series) {
          const routeKey = `${s.host}\u0000${s.route}`;
          const byRoute = routes.get(routeKey) ?? { host: s.host, route: s.route, ...emptyAggregate() };
          const byHost = hosts.get(s.host) ?? { host: s.host, ...emptyAggregate() };
          add(byRoute, s, entry.bucketsMs);
          add(byHost, s, entry.bucketsMs);
          routes.set(routeKey, byRoute);
          hosts.set(s.host, byHost);
        }
      }
    }
    const stats = (a: Aggregate) => ({
      requests: a.requests,
      requestsPerSecond: round(a.requests / windowSeconds, 3),
      errors: a.errors,
      errorRate: a.requests === 0 ? 0 : round(a.errors / a.requests, 4),
      latencyMs: { p50: percentile(a, 0.5), p95: percentile(a, 0.95), p99: percentile(a, 0.99) },
    });
    return {
      windowSeconds,
      from: new Date(from).toISOString(),
      to: new Date(now).toISOString(),
      proxies: [...this.proxies].map(([id, entry]) => ({ id, lastReportAt: new Date(entry.lastReportAt).toISOString() })).sort((a, b) => a.id.localeCompare(b.id)),
      hosts: [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)).map((a) => ({ host: a.host, ...stats(a) })),
      routes: [...routes.values()]
        .sort((a, b) => a.host.localeCompare(b.host) || a.route.localeCompare(b.route))
        .map((a) => ({ host: a.host, route: a.route, ...stats(a) })),
    };
  }

  private prune(now: number): void {
    const oldest = now - MAX_WINDOW_SECONDS * 1000 - SLOT_MS;
    for (const [id, entry] of this.proxies) {
      for (const start of entry.slots.keys()) if (start < oldest) entry.slots.delete(start);
      if (entry.lastReportAt < oldest) this.proxies.delete(id);
    }
    while (this.proxies.size > MAX_PROXIES) this.proxies.delete(this.proxies.keys().next().value!);
  }
}

/** Latency histograms of different proxies merge bucket by bucket, keyed by the bucket's upper bound. */
interface Aggregate {
  requests: number;
  errors: number;
  /** upper bound (ms; Infinity for the overflow bucket) → count */
  buckets: Map<number, number>;
}

const emptyAggregate = (): Aggregate => ({ requests: 0, errors: 0, buckets: new Map() });

function add(aggregate: Aggregate, series: SeriesCounts, bucketsMs: number[]): void {
  aggregate.requests += series.requests;
  aggregate.errors += series.errors;
  // Zero counts are kept too, so each bucket's lower bound is its real neighbour's upper bound.
  series.latency.forEach((count, i) => {
    const bound = bucketsMs[i] ?? Infinity;
    aggregate.buckets.set(bound, (aggregate.buckets.get(bound) ?? 0) + count);
  });
}

/** Interpolates linearly inside the bucket holding the quantile; the overflow bucket reads as its lower bound. */
function percentile(aggregate: Aggregate, q: number): number | null {
  const bounds = [...aggregate.buckets.keys()].sort((a, b) => a - b);
  const total = bounds.reduce((sum, bound) => sum + aggregate.buckets.get(bound)!, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const bound of bounds) {
    const count = aggregate.buckets.get(bound)!;
    if (seen + count >= rank) {
      if (bound === Infinity) return round(lower, 2);
      return round(lower + ((bound - lower) * (rank - seen)) / count, 2);
    }
    seen += count;
    lower = bound;
  }
  return round(lower, 2);
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

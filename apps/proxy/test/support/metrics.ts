import type { ProxyHandle } from '../../src/index.js';

/** The value of one series of a counter or gauge on a test proxy (0 when it has never been set). */
export async function metricValue(p: ProxyHandle, name: string, labels: Record<string, string>): Promise<number> {
  const metric = p.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return hit?.value ?? 0;
}

import type { components } from '../../api/schema.gen.js';

export type Readiness = components['schemas']['Readiness'];

/** "applied to 2/3 proxies" — how far the current generation has propagated. */
export function propagationSummary(r: Readiness): string {
  const connected = r.proxies.filter((p) => p.connected);
  if (connected.length === 0) return 'no proxy connected';
  const applied = connected.filter((p) => p.appliedGeneration === r.generation).length;
  return `applied to ${applied}/${connected.length} ${connected.length === 1 ? 'proxy' : 'proxies'}`;
}

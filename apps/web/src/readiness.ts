/** The body of the API's `GET /readyz`. */
export interface Readiness {
  ready: boolean;
  generation: number;
  proxies: Array<{ id: string; appliedGeneration: number | null; connected: boolean }>;
}

/** "applied to 2/3 proxies" — the propagation summary the overview shows. */
export function propagationSummary(r: Readiness): string {
  const connected = r.proxies.filter((p) => p.connected);
  if (connected.length === 0) return 'no proxy connected';
  const applied = connected.filter((p) => p.appliedGeneration === r.generation).length;
  return `applied to ${applied}/${connected.length} ${connected.length === 1 ? 'proxy' : 'proxies'}`;
}

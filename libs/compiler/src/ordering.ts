import type { IngressObject } from '@portico/model';

/**
 * Conflict order between Ingresses: the older `metadata.creationTimestamp` wins; objects without a (valid)
 * timestamp sort after those with one; then namespace/name. Total and deterministic.
 */
export function compareIngressAge(a: IngressObject, b: IngressObject): number {
  const ta = timestamp(a);
  const tb = timestamp(b);
  if (ta !== tb) {
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return ta - tb;
  }
  const ka = `${a.metadata?.namespace ?? 'default'}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? 'default'}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function timestamp(ingress: IngressObject): number | undefined {
  const raw = ingress.metadata?.creationTimestamp;
  if (typeof raw !== 'string') return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

import type { DefaultBackend, Diagnostic, ObjectRef, Route } from '@portico/model';

/** A rule as its author wrote it, beside the normalised route it became (messages quote both). */
export interface DeclaredRoute {
  route: Route;
  rawPath: string;
}

const ingressName = (ref: ObjectRef): string => `${ref.namespace}/${ref.name}`;
const declared = (d: DeclaredRoute): string => `${d.route.declaredPathType} ${d.rawPath}`;

/**
 * A rule whose (host, match type, normalised path) is already claimed never matches: the matcher keeps one route per
 * key, and the claim that came first (older Ingress, then namespace/name, then declaration order) wins every request.
 * Two Ingresses declaring the very same rule are a `RouteConflict` between owners; anything else that lands on a
 * taken key (a spelling that normalises to it, `ImplementationSpecific` standing for `Prefix`, a repeat inside one
 * Ingress) is a `ShadowedRoute`, because its author cannot see the collision by reading the manifests.
 */
export function collisionDiagnostic(loser: DeclaredRoute, winner: DeclaredRoute, host: string): Diagnostic {
  const l = loser.route.source;
  const w = winner.route.source;
  const sameIngress = ingressName(l.ingress) === ingressName(w.ingress);
  if (!sameIngress && declared(loser) === declared(winner)) {
    return {
      severity: 'warning',
      code: 'RouteConflict',
      message: `${loser.route.pathType} ${loser.route.path} on host ${host} is already defined by Ingress ${ingressName(w.ingress)} (${w.field}), which is older or sorts first; this path is ignored`,
      object: l.ingress,
      field: l.field,
    };
  }
  const why = sameIngress ? 'declared earlier in the same Ingress' : 'older or sorts first';
  return {
    severity: 'warning',
    code: 'ShadowedRoute',
    message: `${declared(loser)} on host ${host} never matches: it is matched as ${loser.route.pathType} ${loser.route.path}, exactly like ${declared(winner)} at ${w.field} of Ingress ${ingressName(w.ingress)} (${why}), which wins every request it would get; this path is ignored`,
    object: l.ingress,
    field: l.field,
  };
}

/**
 * `spec.defaultBackend` answers only requests no rule matches; a host-less `Prefix /` matches every request that
 * reaches it, and every host falls through to the host-less rules, so such a default backend is never used.
 */
export function shadowedDefaultBackend(backend: DefaultBackend, catchAll: Route | undefined): Diagnostic | null {
  if (!catchAll || catchAll.pathType !== 'Prefix' || catchAll.path !== '/') return null;
  const w = catchAll.source;
  return {
    severity: 'warning',
    code: 'ShadowedRoute',
    message: `the default backend never receives a request: the host-less rule ${catchAll.declaredPathType} / at ${w.field} of Ingress ${ingressName(w.ingress)} matches every request first`,
    object: backend.source.ingress,
    field: backend.source.field,
  };
}

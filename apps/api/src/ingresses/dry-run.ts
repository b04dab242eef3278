import { z } from 'zod';
import { stableJson } from '../shared/stable-json.js';
import { CompiledRouteSchema, IngressViewSchema } from './ingress-schemas.js';
import { IngressObjectSchema, PublishedIngressViewSchema } from './ingress-view-schemas.js';

/** `?dryRun=All`, Kubernetes' spelling: check and compile the write, store nothing. */
export const WriteQuerySchema = z.strictObject({
  dryRun: z.literal('All', { message: 'must be "All" (the only dry-run mode, as in Kubernetes)' }).optional(),
});

type CompiledRoute = z.infer<typeof CompiledRouteSchema>;

export const RouteChangesSchema = z.strictObject({
  added: z.array(CompiledRouteSchema).describe('routes the write would add to the table'),
  removed: z.array(CompiledRouteSchema).describe('routes the write would take out of the table'),
  changed: z.array(z.strictObject({ before: CompiledRouteSchema, after: CompiledRouteSchema })).describe('the same host, path and type with another backend, rewrite or source'),
});
export type RouteChanges = z.infer<typeof RouteChangesSchema>;

export const IngressDryRunSchema = IngressViewSchema.extend({
  object: IngressObjectSchema.describe('the Ingress as it would be stored (nothing is written)'),
  routes: z.array(CompiledRouteSchema).describe('the routes the candidate compiles to, with the current objects'),
  diagnostics: IngressViewSchema.shape.diagnostics.describe('the diagnostics the candidate would have'),
  pending: z.literal(true).describe('always true: nothing was written'),
  dryRun: z.literal(true),
  changes: RouteChangesSchema,
}).describe('what a write would do, from ?dryRun=All: nothing is stored');
export type IngressDryRun = z.infer<typeof IngressDryRunSchema>;

/** A route is the same route when its host, path type and path are; anything else differing is a change. */
const routeKey = (route: CompiledRoute): string => `${route.host}|${route.pathType}|${route.path}`;

export function routeChanges(before: CompiledRoute[], after: CompiledRoute[]): RouteChanges {
  const was = new Map(before.map((r) => [routeKey(r), r]));
  const now = new Map(after.map((r) => [routeKey(r), r]));
  const changed = [...now].flatMap(([key, route]) => {
    const old = was.get(key);
    return old && stableJson(old) !== stableJson(route) ? [{ before: old, after: route }] : [];
  });
  return {
    added: after.filter((r) => !was.has(routeKey(r))),
    removed: before.filter((r) => !now.has(routeKey(r))),
    changed,
  };
}

/** The answer of a create, replace or patch: the stored view, or with ?dryRun=All the preview (tried first: it is the stricter). */
export const IngressWriteResultSchema = z.union([IngressDryRunSchema, PublishedIngressViewSchema]).describe('an IngressView, or an IngressDryRun (dryRun: true) for ?dryRun=All');

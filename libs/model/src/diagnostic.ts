import { z } from 'zod';

export const ObjectRefSchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

export const DiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning', 'info']),
  /** Stable machine-readable reason, e.g. `InvalidAnnotation`, `ServiceNotFound`, `RouteConflict`. */
  code: z.string(),
  message: z.string(),
  object: ObjectRefSchema.optional(),
  /** Path of the offending field inside the object, e.g. `spec.rules[0].http.paths[1].pathType`. */
  field: z.string().optional(),
  /** Where the object came from, when a file store loaded it. */
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export const refOf = (kind: string, meta: { namespace?: string; name?: string } | undefined): ObjectRef => ({
  kind,
  namespace: meta?.namespace ?? 'default',
  name: meta?.name ?? '',
});

export const formatRef = (ref: ObjectRef): string =>
  ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;

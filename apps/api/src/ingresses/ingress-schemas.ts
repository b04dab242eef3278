import { z } from 'zod';
import { DiagnosticSchema, RouteSchema } from '@portico/model';

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const DNS_LABEL_ONLY = new RegExp(`^${DNS_LABEL}$`);

export const IngressNameSchema = z
  .string()
  .min(1, 'is required')
  .max(253, 'must be at most 253 characters')
  .regex(DNS_SUBDOMAIN, 'must be a lower-case DNS subdomain (RFC 1123): a-z, 0-9, "-" and ".", starting and ending alphanumeric');
export const NamespaceSchema = z
  .string()
  .min(1, 'is required')
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL_ONLY, 'must be a lower-case DNS label (RFC 1123): a-z, 0-9 and "-", starting and ending alphanumeric');

/**
 * `metadata` of an Ingress in a request. Unknown keys are refused (a typo would otherwise be dropped silently); the
 * server-set fields are accepted so that an object read from this API can be sent back as it is.
 */
export const IngressMetadataSchema = z.strictObject({
  name: IngressNameSchema,
  namespace: NamespaceSchema.optional().describe('default: "default"'),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  resourceVersion: z.string().optional().describe('the version the object was read at; required by PUT, a precondition for PATCH'),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  generateName: z.string().optional(),
  selfLink: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(z.record(z.string(), z.unknown())).optional(),
  managedFields: z.array(z.unknown()).optional(),
});

/**
 * An Ingress as a request body. The top level and `metadata` are strict; `spec` (and `status`, which is never
 * written) must be objects here and are held to the compiler's Ingress rules before anything is written (422).
 */
export const IngressBodySchema = z.strictObject({
  apiVersion: z.literal('networking.k8s.io/v1', { message: 'must be "networking.k8s.io/v1"' }),
  kind: z.literal('Ingress', { message: 'must be "Ingress"' }),
  metadata: IngressMetadataSchema,
  spec: z.record(z.string(), z.unknown()).describe('networking.k8s.io/v1 IngressSpec, checked by the compiler'),
  status: z.record(z.string(), z.unknown()).optional().describe('ignored: status is the controller’s'),
});
export type IngressBody = z.infer<typeof IngressBodySchema>;

export const MergePatchSchema = z.record(z.string(), z.unknown()).describe('a JSON merge patch (RFC 7386): null removes a field, lists are replaced whole');

export const ListQuerySchema = z.strictObject({
  namespace: NamespaceSchema.optional(),
  host: z.string().min(1).max(253).optional(),
  class: z.string().min(1).max(253).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  continue: z.string().min(1).max(2048).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

export const DeleteQuerySchema = z.strictObject({ resourceVersion: z.string().min(1).optional() });

export const CompiledRouteSchema = RouteSchema.extend({ host: z.string().describe('the virtual host the route belongs to; "*" for rules without a host') });

export const AppliedSchema = z.object({
  generation: z.number().int().describe('the routing table generation currently published'),
  proxies: z.number().int().describe('proxies connected'),
  appliedBy: z.number().int().describe('connected proxies that applied this generation (or a later one)'),
});

export const IngressViewSchema = z.object({
  object: z.record(z.string(), z.unknown()).nullable().describe('the Ingress as stored (with its resourceVersion)'),
  routes: z.array(CompiledRouteSchema).describe('the compiled routes whose source is this Ingress, from the current table'),
  diagnostics: z.array(DiagnosticSchema).describe('the current diagnostics of this Ingress'),
  applied: AppliedSchema,
  pending: z.boolean().describe('true until the pipeline has compiled this version of the object: routes and diagnostics may still show the previous one'),
});
export type IngressView = z.infer<typeof IngressViewSchema>;

export const IngressListSchema = z.object({
  items: z.array(IngressViewSchema),
  continue: z.string().nullable().describe('pass as ?continue= for the next page; null on the last page'),
});
export type IngressList = z.infer<typeof IngressListSchema>;

export const INGRESS_EXAMPLE = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', annotations: { 'pipy.ingress.kubernetes.io/lb-type': 'round_robin' } },
  spec: {
    ingressClassName: 'portico',
    rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
  },
};

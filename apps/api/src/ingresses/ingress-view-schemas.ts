import { z } from 'zod';
import type { IngressObject } from '@portico/model';
import { IngressListSchema, IngressViewSchema } from './ingress-schemas.js';

/**
 * The published shapes of the Ingress views (see openapi/api-schemas.ts): `IngressViewSchema` with its `object` typed
 * as an Ingress. Objects come from the source as stored (a file or the API server), so every field is optional, as in
 * the model's `IngressObject`, and fields Portico does not read are kept (additional properties).
 */
const BackendSchema = z.looseObject({
  service: z.looseObject({ name: z.string().optional(), port: z.looseObject({ number: z.number().int().optional(), name: z.string().optional() }).optional() }).optional(),
  resource: z.looseObject({ apiGroup: z.string().optional(), kind: z.string().optional(), name: z.string().optional() }).optional(),
});

export const IngressObjectSchema = z
  .looseObject({
    apiVersion: z.string().optional().describe('networking.k8s.io/v1'),
    kind: z.string().optional().describe('Ingress'),
    metadata: z
      .looseObject({
        name: z.string().optional(),
        namespace: z.string().optional(),
        uid: z.string().optional(),
        resourceVersion: z.string().optional().describe('send it back with PUT (required) or PATCH / DELETE (a precondition)'),
        generation: z.number().int().optional(),
        creationTimestamp: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    spec: z
      .looseObject({
        ingressClassName: z.string().optional(),
        defaultBackend: BackendSchema.optional(),
        tls: z.array(z.looseObject({ hosts: z.array(z.string()).optional(), secretName: z.string().optional() })).optional(),
        rules: z
          .array(
            z.looseObject({
              host: z.string().optional(),
              http: z.looseObject({ paths: z.array(z.looseObject({ path: z.string().optional(), pathType: z.string().optional(), backend: BackendSchema.optional() })).optional() }).optional(),
            }),
          )
          .optional(),
      })
      .optional(),
    status: z
      .looseObject({ loadBalancer: z.looseObject({ ingress: z.array(z.looseObject({ ip: z.string().optional(), hostname: z.string().optional() })).optional() }).optional() })
      .optional()
      .describe('written by the leader: the addresses the Ingress is served on'),
  })
  .describe('a networking.k8s.io/v1 Ingress as stored') satisfies z.ZodType<IngressObject>;

export const PublishedIngressViewSchema = IngressViewSchema.extend({
  object: IngressObjectSchema.nullable().describe('the Ingress as stored (with its resourceVersion); for a delete, the last known object'),
});

export const PublishedIngressListSchema = IngressListSchema.extend({ items: z.array(PublishedIngressViewSchema) });

import { z } from 'zod';
import { normalizePath } from '@portico/matcher';

/**
 * The shape of an Ingress as the Kubernetes API server would accept it (networking.k8s.io/v1), so that a manifest
 * in the standalone store is held to the same rules as one in a cluster. Unknown fields are allowed.
 */
const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export const hostSchema = z
  .string()
  .max(253, 'must be at most 253 characters')
  .refine((h) => !IPV4.test(h) && !h.includes(':'), 'must be a DNS name, not an IP address')
  .refine((h) => DNS_SUBDOMAIN.test(h.toLowerCase().replace(/^\*\./, '')), {
    message: 'must be a DNS name (RFC 1123), optionally with "*." as the whole leftmost label',
  });

const portSchema = z
  .object({
    number: z.number().int().min(1).max(65535).optional(),
    name: z.string().min(1).max(63).optional(),
  })
  .refine((p) => (p.number === undefined) !== (p.name === undefined), 'exactly one of number or name is required');

export const backendSchema = z
  .object({
    service: z.object({ name: z.string().min(1, 'is required'), port: portSchema }).optional(),
    resource: z.object({ apiGroup: z.string().optional(), kind: z.string(), name: z.string() }).optional(),
  })
  .refine((b) => (b.service === undefined) !== (b.resource === undefined), 'exactly one of service or resource is required');

const pathSchema = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path starting with "/"')
  .refine((p) => !p.includes('?') && !p.includes('#'), 'must not contain "?" or "#"')
  // Only an absolute path can be normalised; a relative one already has its own error above.
  .refine((p) => !p.startsWith('/') || normalizePath(p).ok, 'has malformed percent-encoding');

export const ingressSpecSchema = z
  .object({
    ingressClassName: z.string().optional(),
    defaultBackend: backendSchema.optional(),
    rules: z
      .array(
        z.object({
          host: hostSchema.optional(),
          http: z
            .object({
              paths: z
                .array(
                  z
                    .object({
                      path: pathSchema.optional(),
                      pathType: z.enum(['Exact', 'Prefix', 'ImplementationSpecific'], {
                        message: 'must be one of Exact, Prefix, ImplementationSpecific',
                      }),
                      backend: backendSchema,
                    })
                    .refine((p) => p.path !== undefined || p.pathType === 'ImplementationSpecific', {
                      message: 'is required when pathType is Exact or Prefix',
                      path: ['path'],
                    }),
                )
                .min(1, 'must list at least one path'),
            })
            .optional(),
        }),
      )
      .optional(),
    tls: z
      .array(z.object({ hosts: z.array(hostSchema).optional(), secretName: z.string().optional() }))
      .optional(),
  })
  .refine((s) => s.defaultBackend !== undefined || (s.rules?.length ?? 0) > 0, {
    message: 'either defaultBackend or at least one rule is required',
  });

export type IngressSpec = z.infer<typeof ingressSpecSchema>;
export type IngressBackendSpec = z.infer<typeof backendSchema>;

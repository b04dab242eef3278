import { z } from 'zod';

/**
 * A serving certificate from a TLS Secret. Proxies need the key to terminate TLS, so it travels to them on the
 * config stream; every other reader (the admin API, logs, the dashboard) sees the table through `redactKeys`.
 */
export const CertificateSchema = z.object({
  /** `namespace/secretName`. */
  id: z.string(),
  /** Leaf first, then any intermediates (PEM). */
  certPem: z.string(),
  keyPem: z.string(),
  /** The DNS names the leaf covers (subjectAltName, lower-case; the CN when there is no SAN). */
  dnsNames: z.array(z.string()),
  notAfter: z.string(),
});
export type Certificate = z.infer<typeof CertificateSchema>;

export const REDACTED = '[redacted]';

export const HTTP_POLICIES = ['redirect', 'reject', 'allow'] as const;
export const HttpPolicySchema = z.enum(HTTP_POLICIES);
export type HttpPolicy = z.infer<typeof HttpPolicySchema>;

/** How a virtual host is served on the TLS port. */
export const HostTlsSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('terminate'),
    /** The certificate for this host; null → the proxy's default certificate (a diagnostic says why). */
    certificateId: z.string().nullable(),
    /** What plain HTTP requests for this host get. */
    httpPolicy: HttpPolicySchema,
  }),
  z.object({
    mode: z.literal('passthrough'),
    /** The raw TLS bytes go to an endpoint of this cluster, chosen by its balancer. */
    clusterId: z.string(),
    httpPolicy: HttpPolicySchema,
  }),
]);
export type HostTls = z.infer<typeof HostTlsSchema>;

/** A copy of a table (or anything holding certificates) with every private key replaced, for any reader but a proxy. */
export function redactKeys<T extends { certificates: Certificate[] }>(table: T): T {
  return { ...table, certificates: table.certificates.map((c) => ({ ...c, keyPem: REDACTED })) };
}

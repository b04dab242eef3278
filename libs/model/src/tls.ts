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

/** Client-certificate verification (mTLS) for a terminated host. */
export const ClientAuthSchema = z.object({
  /** PEM bundle of the CAs trusted to issue client certificates for this host. */
  caPem: z.string().min(1),
  /** Most issuers allowed between the client's certificate and a trusted CA: 1 = issued directly by one. */
  verifyDepth: z.number().int().min(1).max(10),
});
export type ClientAuth = z.infer<typeof ClientAuthSchema>;

/** TLS from the proxy to an upstream (FSM's upstream-ssl-* annotations). */
export const UpstreamTlsSchema = z.object({
  /** CAs trusted for the upstream's certificate (the secret's `ca.crt`). */
  caPem: z.string().optional(),
  /** Verify the chain against `caPem` and the name against `serverName`. */
  verify: z.boolean(),
  /** SNI sent to the upstream, and the name verified. */
  serverName: z.string().min(1),
  /** A certificate (id in `certificates`) the proxy presents to the upstream. */
  clientCertificateId: z.string().optional(),
});
export type UpstreamTls = z.infer<typeof UpstreamTlsSchema>;

/** FSM's global passthrough: an SNI no host claims is piped to `<SNI>:<upstreamPort>`, for allowed names only. */
export const GlobalPassthroughSchema = z.object({
  upstreamPort: z.number().int().min(1).max(65535),
  /** Exact names or `*.suffix` patterns, lower-case. Empty: nothing is relayed. */
  allowedNames: z.array(z.string()),
});
export type GlobalPassthrough = z.infer<typeof GlobalPassthroughSchema>;

/** The controller's TLS switches, as compiled from flags and the settings ConfigMap. */
export const TlsSettingsSchema = z.object({
  /** When false the TLS port refuses every connection and no host is TLS. */
  enabled: z.boolean(),
  /** A certificate (id in `certificates`) to serve when no host's applies; null: the proxy's own default. */
  defaultCertificateId: z.string().nullable(),
  globalPassthrough: GlobalPassthroughSchema.nullable(),
});
export type TlsSettings = z.infer<typeof TlsSettingsSchema>;

export const defaultTlsSettings = (): TlsSettings => ({ enabled: true, defaultCertificateId: null, globalPassthrough: null });

/** How a virtual host is served on the TLS port. */
export const HostTlsSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('terminate'),
    /** The certificate for this host; null → the proxy's default certificate (a diagnostic says why). */
    certificateId: z.string().nullable(),
    /** What plain HTTP requests for this host get (never `allow` when client certificates are required). */
    httpPolicy: HttpPolicySchema,
    /** Require and verify a client certificate. */
    clientAuth: ClientAuthSchema.optional(),
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

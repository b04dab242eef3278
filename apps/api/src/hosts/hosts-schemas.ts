import { z } from 'zod';
import { DiagnosticSchema, HostMatchSchema, HttpPolicySchema, LbPolicySchema, ObjectRefSchema, RouteSourceSchema } from '@portico/model';
import type { CertificateChoice, ClientVerification, ClusterSummary, UpstreamTlsSummary } from './table-view.js';
import type { HostDetail, HostSummary } from './host-summary.js';
import type { PassthroughEffects, PassthroughResult } from './passthrough-toggle.js';

/**
 * Response shapes of `/api/v1/hosts` (and the pieces `/api/v1/explain` shares), published in the OpenAPI document
 * (see openapi/api-schemas.ts). Each is tied to the type the code returns; none has a field for a private key.
 */
export const CertificateChoiceSchema = z.object({
  source: z.enum(['host', 'table-default', 'proxy-default']).describe("host: the host's own certificate; table-default: the settings' tls.defaultCertificate; proxy-default: the proxy's own (--default-cert, or generated)"),
  certificateId: z.string().nullable().describe('namespace/name of the Secret served; null for the proxy\'s own certificate'),
  reason: z.enum(['exact-host', 'wildcard-host', 'default-missing-secret', 'default-invalid-certificate', 'default-no-secret-name', 'default-certificate-not-loaded', 'no-sni', 'no-tls-host']),
  detail: z.string().describe('the reason in words'),
  dnsNames: z.array(z.string()),
  notAfter: z.string().nullable(),
  coversName: z.boolean().nullable().describe('whether the served certificate covers the name asked for; null when unknown (the proxy\'s own)'),
  diagnostics: z.array(DiagnosticSchema).describe('the diagnostics that explain a fallback to the default'),
}) satisfies z.ZodType<CertificateChoice>;

export const ClientVerificationSchema = z.object({
  required: z.boolean().describe('a client certificate is required (mTLS)'),
  caSubjects: z.array(z.string()).describe('subjects of the trusted client CAs'),
  verifyDepth: z.number().int().nullable(),
}) satisfies z.ZodType<ClientVerification>;

export const UpstreamTlsSummarySchema = z.object({
  verify: z.boolean(),
  serverName: z.string().describe('SNI sent to the upstream, and the name verified'),
  caSubjects: z.array(z.string()),
  clientCertificateId: z.string().nullable().describe('the certificate presented to the upstream (its id, never its key)'),
}) satisfies z.ZodType<UpstreamTlsSummary>;

export const ClusterSummarySchema = z.object({
  id: z.string(),
  service: z.object({ namespace: z.string(), name: z.string(), port: z.union([z.number().int(), z.string()]) }),
  lb: LbPolicySchema,
  sessionSticky: z.boolean(),
  protocol: z.enum(['http1', 'h2']),
  upstreamTls: UpstreamTlsSummarySchema.nullable().describe('null: plain HTTP to the upstream'),
  endpoints: z.object({
    total: z.number().int(),
    ready: z.number().int(),
    addresses: z.array(z.object({ address: z.string(), port: z.number().int(), ready: z.boolean(), targetRef: z.string().nullable().describe('Kind/namespace/name of the object behind the address') })),
  }),
}) satisfies z.ZodType<ClusterSummary>;

export const HostSummarySchema = z.object({
  host: z.string().describe('lower-case host name, `*.example.com` for a wildcard, `*` for rules without a host'),
  match: HostMatchSchema,
  mode: z.enum(['plain', 'terminated', 'passthrough']).describe('plain: no TLS settings (plain HTTP, and the default certificate on the TLS port)'),
  httpPolicy: HttpPolicySchema.nullable().describe('what plain HTTP requests for the host get; null for a plain host (served)'),
  certificate: CertificateChoiceSchema.nullable().describe('the certificate a handshake naming this host gets, and why; null for passthrough (the backend\'s own)'),
  passthrough: z.object({ clusterId: z.string(), service: z.string().nullable() }).nullable(),
  clientVerification: ClientVerificationSchema,
  upstreams: z.array(z.object({ clusterId: z.string(), service: z.string(), upstreamTls: UpstreamTlsSummarySchema.nullable() })).describe('upstream TLS of each cluster the host\'s routes use'),
  routes: z.number().int().describe('how many routes the host has'),
  ingresses: z.array(ObjectRefSchema),
  diagnostics: z.array(DiagnosticSchema),
}) satisfies z.ZodType<HostSummary>;

export const HostListSchema = z.object({
  generation: z.number().int(),
  hosts: z.array(HostSummarySchema),
}) satisfies z.ZodType<{ generation: number; hosts: HostSummary[] }>;

export const HostDetailSchema = HostSummarySchema.extend({
  generation: z.number().int(),
  routeList: z.array(
    z.object({
      id: z.string(),
      path: z.string(),
      pathType: z.string(),
      clusterId: z.string(),
      rewrite: z.object({ from: z.string(), to: z.string() }).nullable(),
      source: RouteSourceSchema,
    }),
  ),
}) satisfies z.ZodType<HostDetail & { generation: number }>;

const PassthroughEffectsSchema = z.object({
  routesStopApplying: z.array(z.object({ id: z.string(), path: z.string(), pathType: z.string() })).describe('passthrough forwards whole connections to the first path\'s backend'),
  forwardedTo: z.array(z.object({ ingress: ObjectRefSchema, clusterId: z.string().nullable(), service: z.string().nullable() })),
  rewritesStopApplying: z.array(z.object({ routeId: z.string(), from: z.string(), to: z.string() })),
  clientVerificationStopsApplying: z.object({ caSubjects: z.array(z.string()), verifyDepth: z.number().int().nullable() }).nullable(),
  forwardedHeadersStopApplying: z.array(z.string()),
  certificateNoLongerServed: z.string().nullable(),
  alsoAffectedHosts: z.array(z.string()).describe('other hosts of the same Ingress(es): the annotation applies to every rule host of an Ingress'),
}) satisfies z.ZodType<PassthroughEffects>;

export const PassthroughResultSchema = z.object({
  host: z.string(),
  enabled: z.boolean(),
  dryRun: z.boolean(),
  written: z.boolean().describe('true when something was written'),
  ingresses: z.array(
    z.object({
      ingress: ObjectRefSchema,
      before: z.string().nullable().describe('the annotation before'),
      after: z.string().nullable().describe('the annotation after (null: removed)'),
      changed: z.boolean(),
      resourceVersion: z.string().nullable(),
    }),
  ),
  effects: PassthroughEffectsSchema.nullable(),
  generation: z.number().int().nullable().describe('the table generation that carries the switch (watch GET /api/v1/proxies or proxy-applied events for it); null for a dry run or when nothing changed'),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<PassthroughResult>;

export const PASSTHROUGH_SWITCH_EXAMPLES = {
  enable: { summary: 'pass shop.example through (dry run)', value: { enabled: true, dryRun: true } },
  disable: { summary: 'terminate TLS again, at the version read', value: { enabled: false, resourceVersion: '3f2a9c0d1b7e4a55' } },
};

export const HOST_SUMMARY_EXAMPLE = {
  host: 'shop.example.com',
  match: 'exact',
  mode: 'terminated',
  httpPolicy: 'redirect',
  certificate: {
    source: 'host',
    certificateId: 'shop/shop-tls',
    reason: 'exact-host',
    detail: 'shop.example.com names Secret shop/shop-tls in spec.tls',
    dnsNames: ['shop.example.com'],
    notAfter: '2027-01-01T00:00:00.000Z',
    coversName: true,
    diagnostics: [],
  },
  passthrough: null,
  clientVerification: { required: false, caSubjects: [], verifyDepth: null },
  upstreams: [{ clusterId: 'shop/web:80', service: 'shop/web:80', upstreamTls: null }],
  routes: 1,
  ingresses: [{ kind: 'Ingress', namespace: 'shop', name: 'web' }],
  diagnostics: [],
};

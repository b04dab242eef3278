import { z } from 'zod';
import { CertificateSchema, DiagnosticSchema, ProxyAckSchema, REDACTED, RoutingTableSchema, StreamMessageSchema } from '@portico/model';
import { AuditListSchema } from '../audit/audit-schemas.js';
import {
  CertificateDeletedSchema,
  CertificateDetailSchema,
  CertificateEntrySchema,
  CertificateListSchema,
  WrittenCertificateSchema,
} from '../certificates/certificate-schemas.js';
import type { ProxyStatus } from '../delivery/proxy-registry.js';
import { ExplanationSchema } from '../explain/explain-schemas.js';
import { HostDetailSchema, HostListSchema, HostSummarySchema, PassthroughResultSchema } from '../hosts/hosts-schemas.js';
import { AnnotationCatalogSchema } from '../ingresses/annotation-catalog.js';
import { IngressWriteResultSchema } from '../ingresses/dry-run.js';
import { IngressObjectSchema, PublishedIngressListSchema, PublishedIngressViewSchema } from '../ingresses/ingress-view-schemas.js';
import { LiveEventSchema } from '../live/live-events-schemas.js';
import type { SourceStatus } from '../sources/config-source.js';
import { SettingsPatchSchema, SettingsSchema, SettingsUpdatedSchema } from '../settings/settings-schemas.js';
import { ProxyTrafficReportSchema, TrafficReportResultSchema, TrafficSummarySchema } from '../traffic/traffic-schemas.js';

/**
 * Response shapes of this API as zod schemas: the OpenAPI document is generated from them, and the model's own
 * schemas (routing table, diagnostic, ack) are reused as they are, so the document cannot drift from the types.
 */
export const ProxyStatusSchema = z.object({
  id: z.string(),
  connected: z.boolean(),
  connectedAt: z.string().describe('ISO time the current connection opened'),
  remoteAddress: z.string().nullable(),
  appliedGeneration: z.number().int().nullable(),
  appliedAt: z.string().nullable(),
  propagationMs: z.number().nullable().describe('change detected → ack received, for appliedGeneration'),
  applyMs: z.number().nullable(),
  lastError: z.object({ generation: z.number().int(), message: z.string() }).nullable(),
}) satisfies z.ZodType<ProxyStatus>;

/**
 * The routing table as the admin API shows it (`GET /api/v1/routes`): every private key is replaced, always. (Proxies
 * get the keys on the config stream, described by ConfigStreamMessage.)
 */
export const RedactedRoutingTableSchema = RoutingTableSchema.extend({
  certificates: z.array(
    CertificateSchema.extend({ keyPem: z.literal(REDACTED).describe('always "[redacted]": private keys reach proxies only, on the config stream') }),
  ),
});

export const ProxyListSchema = z.object({
  generation: z.number().int().describe('the generation proxies should have applied'),
  proxies: z.array(ProxyStatusSchema),
});
export type ProxyList = z.infer<typeof ProxyListSchema>;

export const DiagnosticListSchema = z.object({
  generation: z.number().int(),
  diagnostics: z.array(DiagnosticSchema),
});
export type DiagnosticList = z.infer<typeof DiagnosticListSchema>;

export const ReadinessSchema = z.object({
  ready: z.boolean(),
  generation: z.number().int(),
  proxies: z.array(z.object({ id: z.string(), appliedGeneration: z.number().int().nullable(), connected: z.boolean() })),
  isLeader: z.boolean().optional().describe('with the Kubernetes source: whether this replica writes Ingress status and Events (not part of readiness)'),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

export const SourceInfoSchema = z.object({
  kind: z.enum(['files', 'kubernetes']),
  location: z.string().describe('the manifests directory, or the API server URL'),
  synced: z.boolean().describe('every watched resource has completed its first load'),
  resources: z.array(
    z.object({
      resource: z.string(),
      namespace: z.string().nullable().describe('null: all namespaces, or cluster-scoped'),
      synced: z.boolean(),
      objects: z.number().int(),
      error: z.string().nullable().describe('the failure the watch is recovering from'),
    }),
  ),
  secrets: z.object({ kept: z.number().int(), ignored: z.number().int().describe('Secrets no owned Ingress references: only their names are kept (and a kubernetes.io/tls Secret\'s certificates, for the certificates list; never its key)') }).optional(),
  leader: z.object({ isLeader: z.boolean(), identity: z.string() }).nullable(),
}) satisfies z.ZodType<SourceStatus & { leader: unknown }>;
export type SourceInfoBody = z.infer<typeof SourceInfoSchema>;

export const AckResultSchema = z.object({
  recorded: z.boolean().describe('false when the proxy has no open config stream'),
  propagationMs: z.number().nullable(),
});
export type AckResult = z.infer<typeof AckResultSchema>;

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** Every schema the OpenAPI document publishes under `components.schemas`. */
export const API_SCHEMAS = {
  RoutingTable: RedactedRoutingTableSchema,
  Diagnostic: DiagnosticSchema,
  DiagnosticList: DiagnosticListSchema,
  ProxyAck: ProxyAckSchema,
  AckResult: AckResultSchema,
  ConfigStreamMessage: StreamMessageSchema,
  ProxyStatus: ProxyStatusSchema,
  ProxyList: ProxyListSchema,
  Readiness: ReadinessSchema,
  SourceInfo: SourceInfoSchema,
  Problem: ProblemSchema,
  Settings: SettingsSchema,
  SettingsUpdated: SettingsUpdatedSchema,
  SettingsPatch: SettingsPatchSchema,
  ProxyTrafficReport: ProxyTrafficReportSchema,
  TrafficReportResult: TrafficReportResultSchema,
  TrafficSummary: TrafficSummarySchema,
  HostSummary: HostSummarySchema,
  HostList: HostListSchema,
  HostDetail: HostDetailSchema,
  PassthroughResult: PassthroughResultSchema,
  CertificateEntry: CertificateEntrySchema,
  CertificateList: CertificateListSchema,
  CertificateDetail: CertificateDetailSchema,
  WrittenCertificate: WrittenCertificateSchema,
  CertificateDeleted: CertificateDeletedSchema,
  Explanation: ExplanationSchema,
  Ingress: IngressObjectSchema,
  IngressView: PublishedIngressViewSchema,
  IngressList: PublishedIngressListSchema,
  IngressWriteResult: IngressWriteResultSchema,
  AnnotationCatalog: AnnotationCatalogSchema,
  AuditList: AuditListSchema,
  LiveEvent: LiveEventSchema,
} as const;
export type ApiSchemaName = keyof typeof API_SCHEMAS;

/** `{ $ref }` for a decorator's `schema`. */
export const schemaRef = (name: ApiSchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** Documents an error response as `application/problem+json` (what the global filter sends). */
export const problemResponse = (status: number, description: string) => ({
  status,
  description,
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});

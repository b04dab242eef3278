import { z } from 'zod';
import type { AuditEntry, AuditTarget } from './audit-log.js';

/** The answer of `GET /api/v1/audit`, published in the OpenAPI document (see openapi/api-schemas.ts). */
export const AuditTargetSchema = z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }) satisfies z.ZodType<AuditTarget>;

const AuditObjectSchema = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('a Kubernetes object (or, for a certificate, its public summary); Secret data is [redacted]');

export const AuditEntrySchema = z.object({
  id: z.string(),
  time: z.string().describe('ISO time of the change'),
  actor: z.string().describe('the role of the token that made the change: admin (or viewer)'),
  action: z.string().describe('create, replace, patch, delete, or a module verb (certificate.create, host.passthrough.enable, settings.update …)'),
  target: AuditTargetSchema,
  before: AuditObjectSchema.describe('the object before the change (null for a create); Secret data is [redacted]'),
  after: AuditObjectSchema.describe('the object as stored after the change (null for a delete); Secret data is [redacted]'),
}) satisfies z.ZodType<AuditEntry>;

export const AuditListSchema = z.object({ entries: z.array(AuditEntrySchema) });
export type AuditList = z.infer<typeof AuditListSchema>;

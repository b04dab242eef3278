import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { openApiSchema } from '../openapi/zod-openapi.js';
import { AuditLog, DEFAULT_AUDIT_CAPACITY } from './audit-log.js';

export const AuditTargetSchema = z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() });
export const AuditEntrySchema = z.object({
  id: z.string(),
  time: z.string().describe('ISO time of the change'),
  actor: z.string().describe('the role of the token that made the change: admin (or viewer)'),
  action: z.string().describe('create, replace, patch, delete, or a module verb'),
  target: AuditTargetSchema,
  before: z.unknown().describe('the object before the change (null for a create); Secret data is [redacted]'),
  after: z.unknown().describe('the object as stored after the change (null for a delete); Secret data is [redacted]'),
});
export const AuditListSchema = z.object({ entries: z.array(AuditEntrySchema) });

const QuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(DEFAULT_AUDIT_CAPACITY).default(100) });

@ApiTags('audit')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or unknown token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @ApiOperation({ summary: 'Changes made through the admin API, newest first (kept in memory, the last 1000)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: DEFAULT_AUDIT_CAPACITY, default: 100 } })
  @ApiOkResponse({
    description: 'the newest entries first',
    schema: openApiSchema(AuditListSchema),
    example: {
      entries: [
        {
          id: '6f1c…',
          time: '2026-01-01T12:00:00.000Z',
          actor: 'admin',
          action: 'patch',
          target: { kind: 'Ingress', namespace: 'shop', name: 'web' },
          before: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' } },
          after: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop', labels: { team: 'a' } } },
        },
      ],
    },
  })
  @ApiResponse(problemResponse(400, 'limit is not an integer from 1 to 1000'))
  list(@Query() query: Record<string, unknown>): z.infer<typeof AuditListSchema> {
    const { limit } = parseOrThrow(QuerySchema, query, 'query', 'query');
    return { entries: this.audit.list(limit) };
  }
}

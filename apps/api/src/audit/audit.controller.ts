import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { AuditLog, DEFAULT_AUDIT_CAPACITY, type AuditEntry } from './audit-log.js';

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
    schema: schemaRef('AuditList'),
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
  list(@Query() query: Record<string, unknown>): { entries: AuditEntry[] } {
    const { limit } = parseOrThrow(QuerySchema, query, 'query', 'query');
    return { entries: this.audit.list(limit) };
  }
}

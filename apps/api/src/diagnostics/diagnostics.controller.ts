import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Diagnostic } from '@portico/model';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse, schemaRef, type DiagnosticList } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { DiagnosticsService } from './diagnostics.service.js';

/** Each filter takes one value or a comma-separated list; values of one filter are alternatives, filters combine. */
const list = z
  .string()
  .max(1000)
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .optional();
const DiagnosticsQuerySchema = z.object({
  severity: z
    .string()
    .max(100)
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['error', 'warning', 'info'])))
    .optional(),
  namespace: list,
  kind: list,
  code: list,
});

/** A rule no request can reach: the diagnostic names the Ingress and field that lose, and the rule that wins. */
const SHADOWED_ROUTE_EXAMPLE: Diagnostic = {
  severity: 'warning',
  code: 'ShadowedRoute',
  message:
    'ImplementationSpecific /api/ on host shop.example never matches: it is matched as Prefix /api, exactly like Prefix /api at spec.rules[0].http.paths[0] of Ingress shop/web (older or sorts first), which wins every request it would get; this path is ignored',
  object: { kind: 'Ingress', namespace: 'shop', name: 'web-v2' },
  field: 'spec.rules[0].http.paths[1]',
};

@ApiTags('diagnostics')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong admin token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/diagnostics')
export class DiagnosticsController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly diagnostics: DiagnosticsService,
  ) {}

  @Get()
  @ApiOkResponse({
    description:
      'load problems of the source, compiler findings (with file and line where known: InvalidIngress, InvalidAnnotation, ServiceNotFound, SecretNotFound, RouteConflict, ShadowedRoute, TlsHostWithoutRules, CertificateHostMismatch …), and certificate expiry (CertificateExpiring, CertificateExpired)',
    schema: schemaRef('DiagnosticList'),
    example: { generation: 12, diagnostics: [SHADOWED_ROUTE_EXAMPLE] },
  })
  @ApiQuery({ name: 'severity', required: false, type: String, description: 'error, warning or info; comma-separated for several' })
  @ApiQuery({ name: 'namespace', required: false, type: String, description: "the object's namespace; comma-separated for several" })
  @ApiQuery({ name: 'kind', required: false, type: String, description: "the object's kind (Ingress, Secret …), case-insensitive" })
  @ApiQuery({ name: 'code', required: false, type: String, description: 'diagnostic code, e.g. CertificateExpiring' })
  @ApiResponse(problemResponse(400, 'an invalid filter; `errors` names it'))
  list(@Query() query: unknown): DiagnosticList {
    const filters = parseOrThrow(DiagnosticsQuerySchema, query, 'query', 'query');
    const kinds = filters.kind?.map((kind) => kind.toLowerCase());
    const diagnostics = this.diagnostics.all().filter(
      (d) =>
        (!filters.severity?.length || filters.severity.includes(d.severity)) &&
        (!filters.code?.length || filters.code.includes(d.code)) &&
        (!kinds?.length || (d.object !== undefined && kinds.includes(d.object.kind.toLowerCase()))) &&
        (!filters.namespace?.length || (d.object?.namespace !== undefined && filters.namespace.includes(d.object.namespace))),
    );
    return { generation: this.pipeline.generation(), diagnostics };
  }
}

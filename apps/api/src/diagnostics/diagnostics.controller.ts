import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { problemResponse, schemaRef, type DiagnosticList } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';

@ApiTags('diagnostics')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong admin token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/diagnostics')
export class DiagnosticsController {
  constructor(private readonly pipeline: ConfigPipeline) {}

  @Get()
  @ApiOkResponse({
    description: 'load problems of the source and compiler findings, with file and line where known',
    schema: schemaRef('DiagnosticList'),
  })
  list(): DiagnosticList {
    return { generation: this.pipeline.generation(), diagnostics: this.pipeline.diagnostics() };
  }
}

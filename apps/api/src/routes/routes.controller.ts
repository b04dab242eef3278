import { Controller, Get, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { redactKeys, type RoutingTable } from '@portico/model';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';

@ApiTags('routes')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong admin token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/routes')
export class RoutesController {
  constructor(private readonly pipeline: ConfigPipeline) {}

  @Get()
  @ApiOkResponse({
    description: 'the routing table proxies are sent, with its generation; private keys are redacted',
    schema: schemaRef('RoutingTable'),
  })
  @ApiResponse(problemResponse(503, 'nothing compiled yet'))
  current(): RoutingTable {
    const table = this.pipeline.currentTable();
    if (!table) throw new ServiceUnavailableException('no routing table has been compiled yet');
    return redactKeys(table);
  }
}

import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { problemResponse, schemaRef, type ProxyList } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { ProxyRegistry } from './proxy-registry.js';

@ApiTags('proxies')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong admin token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/proxies')
export class ProxiesController {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly registry: ProxyRegistry,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'connected proxies and the generation each has applied', schema: schemaRef('ProxyList') })
  list(): ProxyList {
    return { generation: this.pipeline.generation(), proxies: this.registry.list() };
  }
}

import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { problemResponse, schemaRef, type SourceInfoBody } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { SourceInfo } from './source-info.js';

@ApiTags('source')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong admin token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/source')
export class SourceInfoController {
  constructor(private readonly info: SourceInfo) {}

  @Get()
  @ApiOkResponse({
    description: 'where the objects come from (a directory or a cluster), whether each watched resource is synced or failing, how many Secrets are kept, and the leader election',
    schema: schemaRef('SourceInfo'),
  })
  describe(): SourceInfoBody {
    return this.info.describe();
  }
}

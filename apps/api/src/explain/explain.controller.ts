import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { EXPLAIN_REQUEST_EXAMPLES, EXPLANATION_EXAMPLE } from './explain-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { tableView } from '../hosts/table-view.js';
import { explain, ExplainRequestSchema, type Explanation } from './explainer.js';
import { inlineSchema } from './inline-schema.js';

@ApiTags('explain')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/explain')
export class ExplainController {
  constructor(private readonly pipeline: ConfigPipeline) {}

  @Post()
  @HttpCode(200)
  @ApiBody({ schema: inlineSchema(ExplainRequestSchema, 'input'), examples: EXPLAIN_REQUEST_EXAMPLES, description: 'the request to explain; `url` must be an absolute http(s) URL' })
  @ApiOkResponse({
    description:
      'the decision the proxy would make, computed with the same matcher on the current table: listener, TLS (passthrough or termination, the certificate and why, client-certificate requirement, 421), plain-HTTP policy, path normalisation, the matched route and the candidates it beat, rewrite, cluster and endpoints, and the outcome. No private key is ever included.',
    schema: schemaRef('Explanation'),
    example: EXPLANATION_EXAMPLE,
  })
  @ApiResponse(problemResponse(400, 'invalid body'))
  @ApiResponse(problemResponse(503, 'nothing compiled yet'))
  explain(@Body() body: unknown): Explanation {
    const request = parseOrThrow(ExplainRequestSchema, body, 'explain request');
    return explain(tableView(this.pipeline), request);
  }
}

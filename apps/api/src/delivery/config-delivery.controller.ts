import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import { z } from 'zod';
import { CONFIG_ACK_PATH, CONFIG_STREAM_PATH, ProxyAckSchema } from '@portico/model';
import { ProxyTokenGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse, schemaRef, type AckResult } from '../openapi/api-schemas.js';
import { PROXY_AUTH } from '../openapi/openapi-document.js';
import { ConfigDelivery } from './config-delivery.service.js';

const StreamQuerySchema = z.object({
  proxyId: ProxyAckSchema.shape.proxyId,
  /** The generation the proxy already runs; informational, the current table is always sent. */
  generation: z.coerce.number().int().nonnegative().optional(),
});

@ApiTags('proxy config')
@ApiBearerAuth(PROXY_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong proxy token'))
@UseGuards(ProxyTokenGuard)
@Controller()
export class ConfigDeliveryController {
  constructor(private readonly delivery: ConfigDelivery) {}

  @Get(CONFIG_STREAM_PATH)
  @ApiProduces('application/x-ndjson')
  @ApiQuery({ name: 'proxyId', required: true, type: String })
  @ApiQuery({ name: 'generation', required: false, type: Number })
  @ApiOkResponse({
    description: 'newline-delimited JSON: the current table at once, each new table, and a ping every 15 s',
    schema: schemaRef('ConfigStreamMessage'),
  })
  @ApiResponse(problemResponse(400, 'missing or invalid proxyId'))
  stream(@Query() query: unknown, @Req() request: Request, @Res() response: Response): void {
    const { proxyId } = parseOrThrow(StreamQuerySchema, query, 'query');
    this.delivery.openStream(proxyId, request, response);
  }

  @Post(CONFIG_ACK_PATH)
  @HttpCode(200)
  @ApiBody({ schema: schemaRef('ProxyAck') })
  @ApiOkResponse({ schema: schemaRef('AckResult') })
  @ApiResponse(problemResponse(400, 'the ack is invalid; `errors` names the fields'))
  ack(@Body() body: unknown): AckResult {
    return this.delivery.recordAck(parseOrThrow(ProxyAckSchema, body, 'ack'));
  }
}

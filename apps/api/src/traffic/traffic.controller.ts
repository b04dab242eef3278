import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ProxyTokenGuard, ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { parseOrThrow } from '../errors/problem.js';
import { problemResponse, schemaRef } from '../openapi/api-schemas.js';
import { ADMIN_AUTH, PROXY_AUTH } from '../openapi/openapi-document.js';
import { ProxyTrafficReportSchema, TRAFFIC_REPORT_PATH, type TrafficSummary } from './traffic-schemas.js';
import { MAX_WINDOW_SECONDS, TrafficStore } from './traffic-store.js';

const WindowQuerySchema = z.object({
  window: z.coerce.number().int().min(10).max(MAX_WINDOW_SECONDS).default(300),
});

@ApiTags('traffic')
@ApiBearerAuth(ADMIN_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong token'))
@UseGuards(ReadAccessGuard)
@Controller('api/v1/traffic')
export class TrafficController {
  constructor(private readonly store: TrafficStore) {}

  @Get()
  @ApiQuery({ name: 'window', required: false, type: Number, description: `seconds to look back, 10 to ${MAX_WINDOW_SECONDS} (default 300)` })
  @ApiOkResponse({
    description: 'request rate, 5xx share and latency percentiles per host and per route, merged over every proxy that reported',
    schema: schemaRef('TrafficSummary'),
  })
  @ApiResponse(problemResponse(400, 'an invalid window'))
  summary(@Query() query: unknown): TrafficSummary {
    const { window } = parseOrThrow(WindowQuerySchema, query, 'query', 'query');
    return this.store.summary(window);
  }
}

@ApiTags('proxy config')
@ApiBearerAuth(PROXY_AUTH)
@ApiResponse(problemResponse(401, 'missing or wrong proxy token'))
@UseGuards(ProxyTokenGuard)
@Controller()
export class TrafficReportController {
  constructor(private readonly store: TrafficStore) {}

  @Post(TRAFFIC_REPORT_PATH)
  @HttpCode(202)
  @ApiBody({ schema: schemaRef('ProxyTrafficReport') })
  @ApiResponse({ status: 202, description: 'the report was merged', schema: schemaRef('TrafficReportResult') })
  @ApiResponse(problemResponse(400, 'the report is invalid; `errors` names the fields'))
  report(@Body() body: unknown): { accepted: boolean } {
    this.store.record(parseOrThrow(ProxyTrafficReportSchema, body, 'traffic report'));
    return { accepted: true };
  }
}

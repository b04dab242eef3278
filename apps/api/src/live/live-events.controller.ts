import { Controller, Get, Headers, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { problemResponse } from '../openapi/api-schemas.js';
import { LIVE_EVENT_EXAMPLE } from './live-events-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import type { HttpRequest as Request, HttpResponse as Response } from '../shared/express-types.js';
import { ACCESS_TOKEN_QUERY, EventStreamAccessGuard } from './event-stream-access.guard.js';
import { LIVE_EVENT_TYPES } from './live-events.js';
import { LiveEventsService } from './live-events.service.js';

@ApiTags('events')
@ApiBearerAuth(ADMIN_AUTH)
@UseGuards(EventStreamAccessGuard)
@Controller('api/v1/events')
export class LiveEventsController {
  constructor(private readonly live: LiveEventsService) {}

  @Get()
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: ACCESS_TOKEN_QUERY,
    required: false,
    type: String,
    description: 'the viewer or admin token, for clients that cannot send an Authorization header (browsers\' EventSource); the header wins when both are sent',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'replay the events after this id that the API still holds (the last 256)' })
  @ApiOkResponse({
    description:
      `Server-Sent Events, each with \`id:\`, \`event:\` and one JSON \`data:\` line ({id, type, time, ...}). Events: ${LIVE_EVENT_TYPES.join(', ')}. ` +
      'The JSON of each `data:` line is described by the LiveEvent schema (components.schemas.LiveEvent, one variant per event type). ' +
      'A `: heartbeat` comment every 15 s; a client that stops reading is disconnected.',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'SSE messages; each data line is a LiveEvent as JSON' }, example: LIVE_EVENT_EXAMPLE } },
  })
  @ApiResponse(problemResponse(401, 'missing or wrong token (header or access_token)'))
  stream(@Headers('last-event-id') lastEventId: string | undefined, @Req() request: Request, @Res() response: Response): void {
    const parsed = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
    this.live.openStream(request, response, parsed);
  }
}

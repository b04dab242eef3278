import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { problemResponse } from '../openapi/api-schemas.js';
import { ADMIN_AUTH } from '../openapi/openapi-document.js';
import type { HttpRequest as Request } from '../shared/express-types.js';
import { PRINCIPAL, ReadAccessGuard, type Role } from './bearer-token.guard.js';

/** Lets a client (the dashboard's sign-in) check a token and learn its role before it offers any change. */
@ApiTags('session')
@ApiBearerAuth(ADMIN_AUTH)
@UseGuards(ReadAccessGuard)
@Controller('api/v1/session')
export class SessionController {
  @Get()
  @ApiOkResponse({
    description: 'the role the presented token grants: `viewer` reads everything, `admin` can also change things',
    schema: { type: 'object', required: ['role'], properties: { role: { type: 'string', enum: ['viewer', 'admin'] } }, example: { role: 'admin' } },
  })
  @ApiResponse(problemResponse(401, 'missing or unknown token'))
  session(@Req() request: Request & { [PRINCIPAL]?: Role }): { role: Role } {
    // The guard has set the principal; it throws 401 before this runs otherwise.
    return { role: request[PRINCIPAL] ?? 'viewer' };
  }
}

import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ReadAccessGuard } from '../auth/bearer-token.guard.js';
import { ApiSettings } from '../config/api-settings.js';
import type { HttpRequest as Request } from '../shared/express-types.js';

/** The query parameter browsers use, since `EventSource` cannot set an Authorization header. */
export const ACCESS_TOKEN_QUERY = 'access_token';

/**
 * Read access for the event stream: the bearer header as everywhere, or `?access_token=` when no header is sent. The
 * query token is turned into the header and checked by {@link ReadAccessGuard} itself (same constant-time compare,
 * same roles); a header always wins over the query.
 */
@Injectable()
export class EventStreamAccessGuard implements CanActivate {
  private readonly readAccess: ReadAccessGuard;

  constructor(settings: ApiSettings) {
    this.readAccess = new ReadAccessGuard(settings);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { query?: Record<string, unknown> }>();
    const token = request.query?.[ACCESS_TOKEN_QUERY];
    if (request.headers.authorization === undefined && typeof token === 'string' && /^\S+$/.test(token)) {
      request.headers.authorization = `Bearer ${token}`;
    }
    return this.readAccess.canActivate(context);
  }
}

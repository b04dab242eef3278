import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { HttpRequest as Request } from '../shared/express-types.js';
import { ApiSettings } from '../config/api-settings.js';

/** Compares digests so the comparison takes the same time whatever the token's length or content. */
function tokensMatch(presented: string, expected: string): boolean {
  const digest = (token: string) => createHash('sha256').update(token).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearerToken(request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

abstract class BearerTokenGuard implements CanActivate {
  protected abstract readonly audience: string;
  protected abstract expectedToken(): string;

  canActivate(context: ExecutionContext): boolean {
    const presented = bearerToken(context.switchToHttp().getRequest<Request>());
    if (presented === undefined) {
      throw new UnauthorizedException(`this endpoint requires an Authorization: Bearer header with the ${this.audience} token`);
    }
    if (!tokensMatch(presented, this.expectedToken())) {
      throw new UnauthorizedException(`the bearer token is not the ${this.audience} token`);
    }
    return true;
  }
}

/** Guards the admin endpoints (`--admin-token`). */
@Injectable()
export class AdminTokenGuard extends BearerTokenGuard {
  protected readonly audience = 'admin';
  constructor(private readonly settings: ApiSettings) {
    super();
  }
  protected expectedToken(): string {
    return this.settings.adminToken;
  }
}

/** Guards the config delivery endpoints (`--proxy-token`): proxies get their tables, nothing else. */
@Injectable()
export class ProxyTokenGuard extends BearerTokenGuard {
  protected readonly audience = 'proxy';
  constructor(private readonly settings: ApiSettings) {
    super();
  }
  protected expectedToken(): string {
    return this.settings.proxyToken;
  }
}

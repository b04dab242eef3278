import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
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

/** Who a request acts as: the role of the token it presented. Audit entries record it. */
export type Role = 'viewer' | 'admin';
export const PRINCIPAL = Symbol('portico.principal');

/** Reads the bearer token and answers which role it grants; 401 for none or an unknown token. */
function roleOf(request: Request, settings: ApiSettings): Role {
  const presented = bearerToken(request);
  if (presented === undefined) throw new UnauthorizedException('this endpoint requires an Authorization: Bearer header with a viewer or admin token');
  // Compare with every configured token (no early exit) so timing does not tell which one was close.
  const admin = tokensMatch(presented, settings.adminToken);
  const viewer = settings.viewerToken !== null && tokensMatch(presented, settings.viewerToken);
  if (admin) return 'admin';
  if (viewer) return 'viewer';
  throw new UnauthorizedException('the bearer token is neither the viewer nor the admin token');
}

/** Reads under `/api/v1`: the viewer or the admin token. */
@Injectable()
export class ReadAccessGuard implements CanActivate {
  constructor(private readonly settings: ApiSettings) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Role }>();
    request[PRINCIPAL] = roleOf(request, this.settings);
    return true;
  }
}

/** Changes under `/api/v1`: the admin token only; a viewer gets 403, an unknown token 401. */
@Injectable()
export class WriteAccessGuard implements CanActivate {
  constructor(private readonly settings: ApiSettings) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Role }>();
    const role = roleOf(request, this.settings);
    if (role !== 'admin') throw new ForbiddenException('the viewer token can read but not change anything; use the admin token');
    request[PRINCIPAL] = role;
    return true;
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

import { type Principal } from '@bulwark/core';
import { ROUTE_METADATA, takeAuthFailureRefusal } from '@bulwark/core/pipeline';
import { setPrincipal } from '@bulwark/core/request';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimit, SkipRateLimit } from '../src/index.js';

/**
 * A guard other than @bulwark/auth's (as a team with its own authentication would have),
 * through the core contracts: a bearer `good:<sub>` becomes a principal, any other bearer is a
 * 401 from Nest's own `UnauthorizedException` (or the failed-authentication limiter's 429 when
 * it marked the request), no bearer is anonymous.
 */
@Injectable()
export class FixtureAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    const header = request.headers.authorization;
    if (header === undefined) return true;
    const match = /^Bearer good:(\w+)$/.exec(header);
    if (!match) throw takeAuthFailureRefusal(request) ?? new UnauthorizedException();
    const subject = match[1] as string;
    const principal: Principal = {
      id: `https://issuer.test|${subject}`,
      issuer: 'https://issuer.test',
      subject,
      clientId: undefined,
      scopes: [],
      roles: [],
      claims: {},
      expiresAt: new Date(Date.now() + 60_000),
    };
    setPrincipal(request, principal);
    return true;
  }
}

@Controller()
export class FixtureController {
  @Get('default')
  default() {
    return { ok: true };
  }

  @Get('other')
  other() {
    return { ok: true };
  }

  @RateLimit({ policy: 'search', cost: 2 })
  @Get('search')
  search() {
    return { ok: true };
  }

  @RateLimit({ limit: 2, windowSeconds: 10, name: 'export' })
  @Get('export')
  export() {
    return { ok: true };
  }

  @SkipRateLimit()
  @Get('free')
  free() {
    return { ok: true };
  }

  // What @bulwark/health does for its probes, without importing this package.
  @SetMetadata(ROUTE_METADATA.skipRateLimit, true)
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

/** Registers {@link FixtureAuthGuard} globally, as an authentication module would. */
@Module({
  providers: [{ provide: APP_GUARD, useClass: FixtureAuthGuard }],
})
export class FixtureAuthModule {}

/** A guard that knows nothing of the limiter's mark, as passport's would: any bad bearer is 401. */
@Injectable()
export class UnawareAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    const header = request.headers.authorization;
    if (header !== undefined && header !== 'Bearer good') throw new UnauthorizedException();
    return true;
  }
}

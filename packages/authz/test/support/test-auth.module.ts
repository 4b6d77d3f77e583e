import { type Principal, ProblemException, setResponseHeader } from '@bulwark/core';
import { isPublicRoute } from '@bulwark/core/pipeline';
import { setPrincipal } from '@bulwark/core/request';
import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  Module,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** Where the test guard finds the issuer. */
export interface TestAuthOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

/**
 * A test-only authenticator, used next to the real `@bulwark/auth`: it verifies bearer tokens
 * from the test issuer with jose and sets the core principal, and lets anonymous requests through.
 *
 * On purpose it copies the `roles` claim into the principal *unchecked*, whatever its type, and
 * does not reject anonymous callers, so the tests prove that `@bulwark/authz` itself refuses a
 * role claim of the wrong type and fails closed without a principal.
 */
class TestAuthGuard implements CanActivate {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly reflector: Reflector,
    private readonly options: TestAuthOptions,
  ) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublicRoute(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return true; // anonymous: authz must fail closed
    try {
      const { payload } = await jwtVerify(header.slice(7), this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
      });
      const scopes =
        typeof payload.scope === 'string'
          ? payload.scope.split(' ').filter(Boolean)
          : Array.isArray(payload.scp)
            ? (payload.scp as string[])
            : [];
      const principal: Principal = {
        id: `${payload.iss}|${payload.sub}`,
        issuer: payload.iss as string,
        subject: payload.sub as string,
        clientId: undefined,
        scopes,
        roles: payload.roles as string[],
        claims: payload,
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
      setPrincipal(request, principal);
      return true;
    } catch {
      setResponseHeader(
        context.switchToHttp().getResponse(),
        'WWW-Authenticate',
        'Bearer error="invalid_token"',
      );
      throw new ProblemException({ kind: 'invalid-token', status: 401, title: 'Unauthorized' });
    }
  }
}

@Module({})
export class TestAuthModule {
  static forRoot(options: TestAuthOptions): DynamicModule {
    return {
      module: TestAuthModule,
      providers: [
        {
          provide: APP_GUARD,
          useFactory: (reflector: Reflector) => new TestAuthGuard(reflector, options),
          inject: [Reflector],
        },
      ],
    };
  }
}

import { getPrincipal, type Principal } from '@bulwark/core';
import { createParamDecorator, type ExecutionContext, Inject } from '@nestjs/common';
import { AUTH_OPTIONS } from './auth.constants.js';

/**
 * Injects the verified principal, or one of its fields. `undefined` on `@Public()` routes.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@CurrentPrincipal() principal: Principal) { return { id: principal.id }; }
 *
 * @Get('scopes')
 * scopes(@CurrentPrincipal('scopes') scopes: readonly string[]) { return scopes; }
 * ```
 */
export const CurrentPrincipal: (field?: keyof Principal) => ParameterDecorator =
  createParamDecorator((field: keyof Principal | undefined, context: ExecutionContext) => {
    const principal = getPrincipal(context.switchToHttp().getRequest());
    return field === undefined ? principal : principal?.[field];
  });

/**
 * Injects the options given to `AuthModule.forRoot` / `forRootAsync`.
 *
 * @example
 * ```ts
 * constructor(@InjectAuthOptions() private readonly options: AuthModuleOptions) {}
 * ```
 */
export function InjectAuthOptions(): ParameterDecorator {
  return Inject(AUTH_OPTIONS);
}

import { getPrincipal, type Principal } from '@bulwark/core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

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

import { type CustomDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * Metadata keys shared by the packages that read each other's route declarations: auth,
 * authz (deny by default, route inventory), rate-limit and health.
 */
export const ROUTE_METADATA = {
  /** Set by {@link Public}: no authentication. */
  public: 'bulwark:public',
  /** Set by `@bulwark/authz` decorators: the route's authorization requirement. */
  authorization: 'bulwark:authorization',
  /** Set by `@bulwark/rate-limit`'s `@RateLimit()`. */
  rateLimit: 'bulwark:rate-limit',
  /** Set by `@bulwark/rate-limit`'s `@SkipRateLimit()`. */
  skipRateLimit: 'bulwark:skip-rate-limit',
} as const;

/**
 * Marks a controller or route as public: authentication is skipped, and deny-by-default
 * accepts it without an authorization requirement.
 *
 * @example
 * ```ts
 * @Public()
 * @Get('status')
 * status() { return { ok: true }; }
 * ```
 */
export function Public(): CustomDecorator<string> {
  return SetMetadata(ROUTE_METADATA.public, true);
}

/** Whether the handler or its controller is marked {@link Public}. */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(ROUTE_METADATA.public, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}

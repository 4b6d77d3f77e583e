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

/**
 * Whether `@bulwark/rate-limit` exempts a route. A route's own declaration wins over its
 * controller's: a route with its own `@RateLimit()` is limited even in a `@SkipRateLimit()`
 * controller, and a route's own `@SkipRateLimit()` exempts it from its controller's
 * `@RateLimit()`. The one statement of the rule: the rate-limit guard, `describeRateLimit()` and
 * the route inventory of `@bulwark/authz` all call it.
 *
 * @param handler - the route's method (`Controller.prototype.method`, or `context.getHandler()`).
 * @param controller - the route's controller class (`context.getClass()`).
 * @example
 * ```ts
 * @SkipRateLimit()
 * @Controller('probes')
 * class Probes {
 *   @RateLimit({ limit: 5, windowSeconds: 60 })
 *   @Get('deep') deep() {}
 * }
 * isRateLimitSkipped(Probes.prototype.deep, Probes); // false: the route's own limit wins
 * ```
 */
export function isRateLimitSkipped(
  // biome-ignore lint/complexity/noBannedTypes: Nest hands handlers and classes as Function.
  handler: Function,
  // biome-ignore lint/complexity/noBannedTypes: as above.
  controller: Function,
): boolean {
  const ownSkip: unknown = Reflect.getMetadata(ROUTE_METADATA.skipRateLimit, handler);
  if (ownSkip !== undefined) return ownSkip === true;
  if (Reflect.getMetadata(ROUTE_METADATA.rateLimit, handler) !== undefined) return false;
  return Reflect.getMetadata(ROUTE_METADATA.skipRateLimit, controller) === true;
}

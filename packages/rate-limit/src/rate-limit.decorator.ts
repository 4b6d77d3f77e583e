import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import { applyDecorators, type CustomDecorator, SetMetadata } from '@nestjs/common';
import { RateLimitError } from './rate-limit.error.js';

/**
 * What `@RateLimit()` declares on a route or controller. Name a shared `policy`, or give a
 * route-local `limit`; `cost` charges more than one unit per request.
 */
export interface RateLimitRouteOptions {
  /**
   * A named policy from the module's `policies` (or `default`). Routes naming the same policy
   * share one quota per caller.
   * @default 'default'
   */
  policy?: string;
  /**
   * A limit for this route alone, with its own quota per caller. Excludes `policy`.
   * @default none
   */
  limit?: number;
  /**
   * The window of a route-local `limit`, in seconds.
   * @default the module's `windowSeconds`
   */
  windowSeconds?: number;
  /**
   * The name of a route-local limit in the `RateLimit-Policy` header.
   * @default 'route'
   */
  name?: string;
  /**
   * Units charged per request: an integer from 1 to the policy's limit.
   * @default 1
   */
  cost?: number;
}

function positive(name: string, value: unknown): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1)) {
    throw new RateLimitError(
      'RATE_LIMIT_INVALID_ROUTE',
      `@RateLimit(): ${name} must be an integer ≥ 1`,
    );
  }
}

/**
 * Sets the rate limit of a route or a controller (the route's own declaration wins).
 *
 * @example
 * ```ts
 * @RateLimit({ policy: 'login' })          // a named, shared policy
 * @RateLimit({ limit: 10, windowSeconds: 60 }) // a route-local limit
 * @RateLimit({ cost: 5 })                  // five units of the default policy
 * ```
 */
export function RateLimit(options: RateLimitRouteOptions): CustomDecorator<string> {
  if (options === null || typeof options !== 'object') {
    throw new RateLimitError('RATE_LIMIT_INVALID_ROUTE', '@RateLimit(): pass an options object');
  }
  positive('limit', options.limit);
  positive('windowSeconds', options.windowSeconds);
  positive('cost', options.cost);
  if (options.policy !== undefined && options.limit !== undefined) {
    throw new RateLimitError(
      'RATE_LIMIT_INVALID_ROUTE',
      '@RateLimit(): set either policy or limit, not both',
    );
  }
  if (
    options.limit === undefined &&
    (options.windowSeconds !== undefined || options.name !== undefined)
  ) {
    throw new RateLimitError(
      'RATE_LIMIT_INVALID_ROUTE',
      '@RateLimit(): windowSeconds and name apply to a route-local limit; set limit too',
    );
  }
  if (options.limit !== undefined && options.cost !== undefined && options.cost > options.limit) {
    throw new RateLimitError('RATE_LIMIT_INVALID_ROUTE', '@RateLimit(): cost exceeds limit');
  }
  return SetMetadata(ROUTE_METADATA.rateLimit, Object.freeze({ ...options }));
}

/**
 * Exempts a route or controller from rate limiting, as for health probes.
 *
 * @example
 * ```ts
 * @SkipRateLimit()
 * @Get('health/live')
 * live() { return { status: 'ok' }; }
 * ```
 */
export function SkipRateLimit(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ROUTE_METADATA.skipRateLimit, true));
}

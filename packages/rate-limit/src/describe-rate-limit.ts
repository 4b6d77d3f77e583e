import { isRateLimitSkipped } from '@bulwark/core/pipeline';
import type { Reflector } from '@nestjs/core';
import { resolveRateLimitOptions } from './internal/resolve-options.js';
import { routeRule } from './internal/route-rule.js';
import type { RateLimitModuleOptions } from './rate-limit-options.interface.js';

/** A route's effective rate limit, for the route inventory. */
export type RateLimitDescription =
  | { readonly exempt: true }
  | {
      readonly exempt: false;
      /** The policy name, as sent in `RateLimit-Policy`. */
      readonly policy: string;
      /** Units per window. */
      readonly limit: number;
      /** The window in seconds. */
      readonly windowSeconds: number;
      /** Units charged per request. */
      readonly cost: number;
      /** `shared` for named policies (one quota across routes), `route` for route-local limits. */
      readonly scope: 'shared' | 'route';
    };

/**
 * Describes the rate limit a route gets, exactly as the guard applies it. Pass the options
 * given to `RateLimitModule.forRoot()`; without them, the defaults from the environment
 * (`RATE_LIMIT_MAX`, `RATE_LIMIT_WINDOW_SECONDS`) are used.
 *
 * @throws RateLimitError when the route names an unknown policy or a cost above its limit.
 * @example
 * ```ts
 * describeRateLimit(reflector, NotesController.prototype.list, NotesController, options);
 * // { exempt: false, policy: 'default', limit: 100, windowSeconds: 60, cost: 1, scope: 'shared' }
 * ```
 */
export function describeRateLimit(
  reflector: Reflector,
  // biome-ignore lint/complexity/noBannedTypes: Nest hands handlers and classes as Function.
  handler: Function,
  // biome-ignore lint/complexity/noBannedTypes: as above.
  controller: Function,
  options: RateLimitModuleOptions = {},
): RateLimitDescription {
  if (isRateLimitSkipped(handler, controller)) return { exempt: true };
  const { policies, replicaShare } = resolveRateLimitOptions(options);
  const rule = routeRule(reflector, handler, controller, policies, replicaShare);
  return {
    exempt: false,
    policy: rule.policy.name,
    limit: rule.policy.limit,
    windowSeconds: rule.policy.windowSeconds,
    cost: rule.cost,
    scope: rule.scope,
  };
}

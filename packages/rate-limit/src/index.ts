// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/rate-limit`: what an application calls or types. Limiting in code, the stores and
 * describing a route's limit are in the subpath entry points (`@bulwark/rate-limit/limiter`,
 * `/stores`, `/inventory`), listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { RateLimitModule } from './rate-limit.module.js';
export { InjectRateLimitOptions } from './rate-limit.module-definition.js';
export type {
  AuthFailureOptions,
  RateLimitedInfo,
  RateLimitModuleOptions,
  RateLimitOptionsFactory,
  RateLimitPolicy,
  ResolvedRateLimitOptions,
  StoreFailureMode,
} from './rate-limit-options.interface.js';

// Limits on routes
export type { RateLimitRouteOptions } from './rate-limit.decorator.js';
export { RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
export { RateLimitGuard } from './rate-limit.guard.js';

// Errors
export type { RateLimitErrorCode } from './rate-limit.error.js';
export { RateLimitError } from './rate-limit.error.js';

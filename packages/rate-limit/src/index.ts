// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { RateLimitModule } from './rate-limit.module.js';
export { InjectRateLimitOptions } from './rate-limit.module-definition.js';
export type {
  AuthFailureOptions,
  RateLimitedInfo,
  RateLimitModuleOptions,
  RateLimitPolicy,
  ResolvedPolicy,
  ResolvedRateLimitOptions,
  StoreFailureMode,
} from './rate-limit-options.interface.js';

// Limits on routes
export type { RateLimitRouteOptions } from './rate-limit.decorator.js';
export { RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
export { RateLimitGuard } from './rate-limit.guard.js';
export type { RateLimitDescription } from './describe-rate-limit.js';
export { describeRateLimit } from './describe-rate-limit.js';

// Limiting in code
export type { RateLimitOutcome } from './rate-limiter.service.js';
export { RateLimiter } from './rate-limiter.service.js';

// Stores
export type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit-store.interface.js';
export type { MemoryStoreOptions } from './memory.store.js';
export { MemoryRateLimitStore } from './memory.store.js';
export type { RedisStoreOptions } from './redis.store.js';
export { RedisRateLimitStore } from './redis.store.js';

// Errors
export type { RateLimitErrorCode } from './rate-limit.error.js';
export { RateLimitError } from './rate-limit.error.js';

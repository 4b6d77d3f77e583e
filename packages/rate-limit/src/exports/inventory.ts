/**
 * Describing a route's limit without a running limiter, for a route inventory: the rule
 * `@RateLimit()`/`@SkipRateLimit()` and the module's options give it.
 *
 * @packageDocumentation
 */
export type { RateLimitDescription } from '../describe-rate-limit.js';
export { describeRateLimit } from '../describe-rate-limit.js';

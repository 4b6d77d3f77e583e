/**
 * Limiting in code: the `RateLimiter` the guard decides with (`consume`, `peek`, a route's
 * effective rule), what it answers, and a policy as it applies it.
 *
 * @packageDocumentation
 */
export type { ResolvedPolicy } from '../rate-limit-options.interface.js';
export type { RateLimitOutcome } from '../rate-limiter.service.js';
export { RateLimiter } from '../rate-limiter.service.js';

import { BulwarkError } from '@bulwark/core';

/** The codes of {@link RateLimitError}. */
export type RateLimitErrorCode = 'RATE_LIMIT_INVALID_ROUTE' | 'RATE_LIMIT_UNKNOWN_POLICY';

/**
 * Thrown at declaration or start-up when a route's `@RateLimit()` is wrong. Invalid module
 * options throw `BulwarkConfigError` naming the option or variable.
 *
 * @example
 * ```ts
 * try { RateLimit({ cost: 0 }); } catch (e) { (e as RateLimitError).code; } // 'RATE_LIMIT_INVALID_ROUTE'
 * ```
 */
export class RateLimitError extends BulwarkError<RateLimitErrorCode> {}

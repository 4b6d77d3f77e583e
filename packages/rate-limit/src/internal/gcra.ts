import type { RateLimitDecision } from '../rate-limit-store.interface.js';

/**
 * GCRA (the generic cell rate algorithm, ITU-T I.371) on integer microseconds.
 *
 * The only state per key is the theoretical arrival time `tat`. A unit is emitted every
 * `emission = floor(windowUs / limit)`; a request of `cost` units is admitted when the new
 * `tat` lies at most one window ahead of `now`. The floor keeps a full burst of exactly
 * `limit` units admissible, and integer arithmetic keeps that exact in JS and in Redis Lua.
 * Over any span `d`, at most `limit + d / emission` units are admitted.
 *
 * The step itself lives twice, kept identical: `MemoryRateLimitStore.step` and the Lua script
 * in `redis-script.ts`. A peek (`cost` 0) charges one emission interval but writes nothing.
 */
/** The emission interval, in microseconds, of a rule. */
export function emissionInterval(limit: number, windowMs: number): number {
  return Math.max(1, Math.floor((windowMs * 1000) / limit));
}

/**
 * Builds the decision from the outcome of one step. `offsetUs` is how far the key's `tat`
 * lies ahead of now after the step (before it, when refused); `chargeUs` what was asked for.
 * The Redis script returns only `allowed` and `offsetUs`, so both stores report alike.
 */
export function decisionOf(
  allowed: boolean,
  offsetUs: number,
  chargeUs: number,
  windowMs: number,
  limit: number,
): RateLimitDecision {
  const windowUs = windowMs * 1000;
  const emission = emissionInterval(limit, windowMs);
  return {
    allowed,
    remaining: Math.max(0, Math.min(limit, Math.floor((windowUs - offsetUs) / emission))),
    resetMs: Math.ceil(offsetUs / 1000),
    retryAfterMs: allowed ? 0 : Math.ceil((offsetUs + chargeUs - windowUs) / 1000),
  };
}

import type { RateLimitDecision } from '../rate-limit-store.interface.js';

/**
 * GCRA (the generic cell rate algorithm, ITU-T I.371) on integer microseconds.
 *
 * The only state per key is the theoretical arrival time `tat`. A unit is emitted every
 * `emissionUs = floor(windowUs / limit)`; a request of `cost` units is admitted when the new
 * `tat` lies at most one window ahead of `now`. The floor keeps a full burst of exactly
 * `limit` units admissible, and integer arithmetic keeps that exact in JS and in Redis Lua.
 */
export interface GcraStep {
  /** The decision to report. */
  readonly decision: RateLimitDecision;
  /** The new `tat` to store, or `undefined` when nothing must be written. */
  readonly tat: number | undefined;
}

/** The emission interval, in microseconds, of a rule. */
export function emissionInterval(limit: number, windowMs: number): number {
  return Math.max(1, Math.floor((windowMs * 1000) / limit));
}

/**
 * One GCRA step. `storedTat` is `undefined` (or in the past) for an idle key; `cost` 0 peeks:
 * it answers whether one more unit fits and writes nothing.
 */
export function gcra(
  storedTat: number | undefined,
  nowUs: number,
  limit: number,
  windowMs: number,
  cost: number,
): GcraStep {
  const windowUs = windowMs * 1000;
  const emission = emissionInterval(limit, windowMs);
  const tat = storedTat === undefined || storedTat < nowUs ? nowUs : storedTat;
  const charge = cost === 0 ? emission : cost * emission;
  const next = tat + charge;
  if (next - nowUs > windowUs) {
    return {
      tat: undefined,
      decision: {
        allowed: false,
        remaining: remainingUnits(windowUs - (tat - nowUs), emission, limit),
        resetMs: Math.ceil((tat - nowUs) / 1000),
        retryAfterMs: Math.ceil((next - windowUs - nowUs) / 1000),
      },
    };
  }
  const after = cost === 0 ? tat : next;
  return {
    tat: cost === 0 ? undefined : next,
    decision: {
      allowed: true,
      remaining: remainingUnits(windowUs - (after - nowUs), emission, limit),
      resetMs: Math.ceil((after - nowUs) / 1000),
      retryAfterMs: 0,
    },
  };
}

function remainingUnits(headroomUs: number, emission: number, limit: number): number {
  return Math.max(0, Math.min(limit, Math.floor(headroomUs / emission)));
}

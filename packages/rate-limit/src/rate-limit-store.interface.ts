/**
 * One limit: at most `limit` units per `windowMs`, spread evenly (GCRA), with a burst of up
 * to `limit` units when the key has been idle for a full window.
 *
 * @example
 * ```ts
 * const rule: RateLimitRule = { limit: 100, windowMs: 60_000 };
 * ```
 */
export interface RateLimitRule {
  /** Units admitted per window; an integer ≥ 1. */
  readonly limit: number;
  /** The window, in milliseconds; an integer ≥ 1000. */
  readonly windowMs: number;
}

/** What a store answers for one key. */
export interface RateLimitDecision {
  /** Whether the request is admitted (and, for `consume`, charged). */
  readonly allowed: boolean;
  /** Units left after this decision, from 0 to `limit`. */
  readonly remaining: number;
  /** Milliseconds until the full quota is available again (0 when it already is). */
  readonly resetMs: number;
  /** When refused: milliseconds until the same request would be admitted; 0 when admitted. */
  readonly retryAfterMs: number;
}

/**
 * The small contract a rate-limit store implements. Both operations are atomic per key, and
 * neither keeps a timer: state expires lazily (memory) or through a key TTL (Redis).
 *
 * A store may throw or reject when its backend is unavailable; the limiter then applies the
 * configured failure mode, so a store failure never reaches a request as a 500.
 *
 * @example
 * ```ts
 * class MyStore implements RateLimitStore {
 *   consume(key, rule, cost) { ... }
 *   peek(key, rule) { ... }
 * }
 * RateLimitModule.forRoot({ store: new MyStore() });
 * ```
 */
export interface RateLimitStore {
  /** Charges `cost` units to `key` when they fit; refuses and charges nothing otherwise. */
  consume(
    key: string,
    rule: RateLimitRule,
    cost: number,
  ): RateLimitDecision | Promise<RateLimitDecision>;
  /** Tells whether one more unit would fit, without charging anything. */
  peek(key: string, rule: RateLimitRule): RateLimitDecision | Promise<RateLimitDecision>;
  /**
   * Whether the backend is reachable right now. When it answers `false`, the limiter skips the
   * store and applies the failure mode at once instead of waiting for a timeout.
   * @default always available
   */
  available?(): boolean;
}

/**
 * Options of {@link useSafeBodyParser}.
 *
 * @example
 * ```ts
 * useSafeBodyParser(app, { bodyLimitBytes: 64 * 1024, maxDepth: 16 });
 * ```
 */
export interface BodyParserOptions {
  /**
   * Largest accepted body, in bytes; larger bodies get 413.
   * @default the `BODY_LIMIT_BYTES` environment variable, else 102400
   */
  bodyLimitBytes?: number;
  /**
   * Deepest accepted nesting of objects and arrays; deeper bodies get 400.
   * @default 32
   */
  maxDepth?: number;
  /**
   * Longest accepted array anywhere in a body; longer ones get 400.
   * @default 1000
   */
  maxArrayLength?: number;
}

/** {@link BodyParserOptions} after defaults and validation. */
export interface ResolvedBodyParserOptions {
  readonly bodyLimitBytes: number;
  readonly maxDepth: number;
  readonly maxArrayLength: number;
}

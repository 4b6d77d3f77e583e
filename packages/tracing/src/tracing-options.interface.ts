/**
 * Options of {@link TracingModule}. The SDK itself is configured by the standard `OTEL_*`
 * variables, read by the preload entry; these options cover what only the application knows.
 *
 * @example
 * ```ts
 * TracingModule.forRoot({ recordPrincipal: true });
 * ```
 */
export interface TracingModuleOptions {
  /**
   * Add the principal id (`iss|sub`, from `@bulwark/auth`) to server spans as `user.id`. Off by
   * default: it is personal data, and traces often leave the trust boundary.
   * @default false
   */
  recordPrincipal?: boolean;
  /**
   * How long the shutdown hook waits for pending spans to be exported, in milliseconds.
   * @default 5000
   */
  flushTimeoutMs?: number;
}

/** {@link TracingModuleOptions} after validation, with every default applied. */
export interface ResolvedTracingOptions {
  readonly recordPrincipal: boolean;
  readonly flushTimeoutMs: number;
}

/**
 * A class that `TracingModule.forRootAsync({ useClass })` instantiates to create the options.
 *
 * @example
 * ```ts
 * class TracingConfig implements TracingOptionsFactory {
 *   create() { return { recordPrincipal: true }; }
 * }
 * ```
 */
export interface TracingOptionsFactory {
  create(): TracingModuleOptions | Promise<TracingModuleOptions>;
}

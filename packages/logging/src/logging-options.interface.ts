/** A place log lines are written to: anything with `write(line)`, such as a stream. */
export interface LogDestination {
  write(line: string): unknown;
}

/** pino's level names, plus `silent`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Options of `createLogger()` and `LoggingModule.forRoot()`.
 *
 * @example
 * ```ts
 * LoggingModule.forRoot({ level: 'debug', redactKeys: ['ssn'] });
 * ```
 */
export interface LoggingOptions {
  /**
   * The lowest level written.
   * @default the `LOG_LEVEL` environment variable, else `info`
   */
  level?: LogLevel;
  /**
   * Where JSON lines go. Inject a stream to capture them in tests.
   * @default standard output
   */
  destination?: LogDestination;
  /**
   * Extra field names (exact, in any case) whose values are replaced by `[REDACTED]` wherever
   * they appear. Built in, and always on: any name containing `password`, `passwd`, `secret`,
   * `token`, `authorization`, `cookie`, `session`, `apikey`, `private` or `credential`,
   * ignoring case, `-` and `_` (`newPassword`, `x-auth-token`, `api_key`, `sessionId`…), except
   * the names of a token's kind (`tokenType`, `token_type`, `tokenTypes`,
   * `acceptedTokenTypes`); and in `rawHeaders`/`rawTrailers`, the value after such a name.
   * @default []
   */
  redactKeys?: readonly string[];
  /**
   * Fields added to every line, such as `{ service: 'notes' }`.
   * @default {}
   */
  base?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Options of `LoggingModule.forRoot()`: the logger's, plus what the module wires in.
 *
 * @example
 * ```ts
 * LoggingModule.forRoot({ accessLog: true, securityEvents: true });
 * ```
 */
export interface LoggingModuleOptions extends LoggingOptions {
  /**
   * Write one access line per HTTP request.
   * @default true
   */
  accessLog?: boolean;
  /**
   * Write a line per security event published through `@bulwark/core`.
   * @default true
   */
  securityEvents?: boolean;
  /**
   * Route Nest's own `Logger` (framework and application logs) to this logger.
   * @default true
   */
  nestLogger?: boolean;
  /**
   * The clock request durations are measured with, in milliseconds.
   * @default performance.now
   */
  clock?: () => number;
}

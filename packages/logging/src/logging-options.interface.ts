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
   * How long a line may wait before it is written to standard output, in milliseconds (0 to
   * 10000). Lines are collected until 4 KiB of them are there or this time has passed since the
   * first, then written at once: one write for many lines instead of one per line (about 1.5 µs
   * of CPU less per line when requests come one at a time). Whatever is still buffered is
   * written synchronously when the process exits (`process.exit`, an uncaught exception), after
   * a `fatal` line and at application shutdown; a process killed with SIGKILL loses at most this
   * much. `0` writes each line as it comes. Only standard output is buffered, never a
   * `destination` you pass.
   * @default the `LOG_FLUSH_INTERVAL_MS` environment variable, else `0`
   */
  flushIntervalMs?: number;
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

/**
 * {@link LoggingModuleOptions} after validation, with the environment and the defaults applied,
 * as `@InjectLoggingOptions()` gives them.
 */
export interface ResolvedLoggingOptions {
  /**
   * The lowest level written.
   * @default the `LOG_LEVEL` environment variable, else `info`
   */
  readonly level: LogLevel;
  /**
   * Where JSON lines go; `undefined` for standard output.
   * @default undefined
   */
  readonly destination: LogDestination | undefined;
  /**
   * Extra field names whose values are redacted, on top of the built-in fragments.
   * @default []
   */
  readonly redactKeys: readonly string[];
  /**
   * How long a line may wait in standard output's buffer, in milliseconds; `0` writes each line
   * as it comes.
   * @default the `LOG_FLUSH_INTERVAL_MS` environment variable, else `0`
   */
  readonly flushIntervalMs: number;
  /**
   * Fields added to every line.
   * @default {}
   */
  readonly base: Readonly<Record<string, string | number | boolean>>;
  /**
   * Whether one access line is written per HTTP request.
   * @default true
   */
  readonly accessLog: boolean;
  /**
   * Whether a line is written per security event.
   * @default true
   */
  readonly securityEvents: boolean;
  /**
   * Whether Nest's own `Logger` is routed to this logger.
   * @default true
   */
  readonly nestLogger: boolean;
  /**
   * The clock request durations are measured with, in milliseconds.
   * @default performance.now
   */
  readonly clock: () => number;
}

/**
 * A class for `LoggingModule.forRootAsync({ useClass })` or `useExisting`: the module calls its
 * `create()` to get the options, which are then validated as `forRoot`'s are.
 *
 * @example
 * ```ts
 * @Injectable()
 * class LoggingConfig implements LoggingOptionsFactory {
 *   create() { return { level: 'info' }; }
 * }
 * ```
 */
export interface LoggingOptionsFactory {
  /** Returns the module options, possibly after reading configuration. */
  create(): LoggingModuleOptions | Promise<LoggingModuleOptions>;
}

import { BulwarkError } from '@bulwark/core';

/** The codes of {@link LoggingError}. */
export type LoggingErrorCode = 'LOGGING_UNSUPPORTED_ADAPTER';

/**
 * Thrown at start-up when access logging cannot be installed on the app's HTTP adapter.
 * Invalid options throw `BulwarkConfigError` naming the option or variable.
 *
 * @example
 * ```ts
 * try { useAccessLog(app, logger); } catch (e) { (e as LoggingError).code; } // 'LOGGING_UNSUPPORTED_ADAPTER'
 * ```
 */
export class LoggingError extends BulwarkError<LoggingErrorCode> {}

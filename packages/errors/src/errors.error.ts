import { BulwarkError } from '@bulwark/core';

/** The codes of {@link ErrorsError}. */
export type ErrorsErrorCode = 'ERRORS_UNSUPPORTED_ADAPTER';

/**
 * Thrown at start-up when `@bulwark/errors` cannot install itself, such as on an HTTP adapter
 * other than Express or Fastify. Invalid options throw `BulwarkConfigError` naming the option.
 *
 * @example
 * ```ts
 * try { useSafeBodyParser(app); } catch (e) { (e as ErrorsError).code; } // 'ERRORS_UNSUPPORTED_ADAPTER'
 * ```
 */
export class ErrorsError extends BulwarkError<ErrorsErrorCode> {}

import { BulwarkError } from '@bulwark/core';

/** The codes of {@link HttpError}. */
export type HttpErrorCode = 'HTTP_UNSUPPORTED_ADAPTER';

/**
 * Thrown at start-up when the app's HTTP adapter is neither Express nor Fastify. Invalid
 * options throw `BulwarkConfigError` naming the option or environment variable.
 *
 * @example
 * ```ts
 * try { applySecurity(app); } catch (e) { (e as HttpError).code; } // 'HTTP_UNSUPPORTED_ADAPTER'
 * ```
 */
export class HttpError extends BulwarkError<HttpErrorCode> {}

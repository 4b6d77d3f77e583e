import { BulwarkError } from '@bulwark/core';

/** The codes of {@link HttpError}. */
export type HttpErrorCode = 'HTTP_UNSUPPORTED_ADAPTER' | 'HTTP_TLS_UNAVAILABLE';

/**
 * Thrown at start-up when the app's HTTP adapter is neither Express nor Fastify, or when TLS is
 * configured for an app whose server is plain HTTP. Invalid
 * options throw `BulwarkConfigError` naming the option or environment variable.
 *
 * @example
 * ```ts
 * try { applySecurity(app); } catch (e) { (e as HttpError).code; } // 'HTTP_UNSUPPORTED_ADAPTER'
 * ```
 */
export class HttpError extends BulwarkError<HttpErrorCode> {}

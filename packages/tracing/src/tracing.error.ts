import { BulwarkError } from '@bulwark/core';

/** Stable codes of {@link TracingError}. */
export type TracingErrorCode = 'TRACING_START_FAILED';

/**
 * Thrown by `@bulwark/tracing` when the OpenTelemetry SDK cannot start. Wrong `OTEL_*` values
 * throw `BulwarkConfigError` instead, naming the variable.
 *
 * @example
 * ```ts
 * if (error instanceof TracingError && error.code === 'TRACING_START_FAILED') { ... }
 * ```
 */
export class TracingError extends BulwarkError<TracingErrorCode> {}

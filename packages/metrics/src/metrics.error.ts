import { BulwarkError } from '@bulwark/core';

/** Stable codes of {@link MetricsError}. */
export type MetricsErrorCode = 'METRICS_LISTEN_FAILED';

/**
 * Thrown by `@bulwark/metrics` at start-up when the metrics listener cannot start, for example
 * because its port is taken. Wrong options throw `BulwarkConfigError` instead.
 *
 * @example
 * ```ts
 * if (error instanceof MetricsError && error.code === 'METRICS_LISTEN_FAILED') { ... }
 * ```
 */
export class MetricsError extends BulwarkError<MetricsErrorCode> {}

import { BulwarkError } from '@bulwark/core';

/** Codes of {@link HealthError}. */
export type HealthErrorCode = 'HEALTH_CHECK_TIMEOUT' | 'HEALTH_REDIS_UNAVAILABLE';

/**
 * Why a readiness check failed. Its message goes to the server log only; probe bodies never
 * carry it.
 */
export class HealthError extends BulwarkError<HealthErrorCode> {}

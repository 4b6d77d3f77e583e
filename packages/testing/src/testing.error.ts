import { BulwarkError } from '@bulwark/core';

/** Stable codes of {@link TestingError}. */
export type TestingErrorCode = 'CONFORMANCE_FAILED' | 'INVALID_HINTS';

/**
 * The one error class of @bulwark/testing: bad hints given to `runConformance`, or a
 * conformance run that failed (from `assertConformance`).
 */
export class TestingError extends BulwarkError<TestingErrorCode> {}

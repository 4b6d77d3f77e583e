import { BulwarkError } from '@bulwark/core';

/** Stable codes of {@link TestingError}. */
export type TestingErrorCode =
  | 'CONFORMANCE_FAILED'
  | 'INVALID_HINTS'
  | 'OPENSSL_FAILED'
  | 'INVALID_CERTIFICATE_OPTIONS';

/**
 * The one error class of @bulwark/testing: bad hints given to `runConformance`, a
 * conformance run that failed (from `assertConformance`), or a test CA that could not issue.
 */
export class TestingError extends BulwarkError<TestingErrorCode> {}

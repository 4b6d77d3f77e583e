import { BulwarkError } from '@bulwark/core';

/** Stable codes of {@link AuthzError}. */
export type AuthzErrorCode =
  | 'AUTHZ_INVALID_DECLARATION'
  | 'AUTHZ_UNDECLARED_ROUTES'
  | 'AUTHZ_UNVALIDATED_BODY'
  | 'AUTHZ_UNGUARDED_ROUTES'
  | 'AUTHZ_CONFLICTING_DECLARATION'
  | 'AUTHZ_UNRESOLVED_PROVIDER'
  | 'AUTHZ_NO_LOADED_RESOURCE'
  | 'AUTHZ_DECISION_POINT_FAILED';

/**
 * The one error class `@bulwark/authz` throws on purpose: at start-up for wrong declarations,
 * and internally when a decision point fails (which the guard turns into a denial).
 *
 * @example
 * ```ts
 * try { await app.init(); } catch (error) {
 *   if (error instanceof AuthzError && error.code === 'AUTHZ_UNDECLARED_ROUTES') process.exit(1);
 * }
 * ```
 */
export class AuthzError extends BulwarkError<AuthzErrorCode> {}

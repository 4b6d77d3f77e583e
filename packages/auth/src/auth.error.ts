import { BulwarkError } from '@bulwark/core';

/** Why a token or request was refused. Logged and used as a metric label; never sent. */
export type AuthFailureReason =
  | 'missing_credentials'
  | 'unsupported_scheme'
  | 'malformed_header'
  | 'token_too_long'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'header_key_not_allowed'
  | 'crit_not_supported'
  | 'type_not_allowed'
  | 'issuer_not_trusted'
  | 'unknown_key'
  | 'ambiguous_key'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'token_too_old'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'missing_claim'
  | 'invalid_claim'
  | 'keys_unavailable'
  | 'keys_stale';

/** The stable codes of {@link AuthError}. */
export type AuthErrorCode = 'AUTH_INVALID_TOKEN' | 'AUTH_KEYS_UNAVAILABLE' | 'AUTH_DEV_ISSUER';

/**
 * The one error class of `@bulwark/auth`.
 *
 * `AUTH_INVALID_TOKEN` means the token was refused (see {@link AuthError.reason}), including
 * `keys_stale`: the issuer's keys went longer than `jwksMaxStaleSeconds` without a refresh;
 * `AUTH_KEYS_UNAVAILABLE` means no key has ever loaded for the token's issuer, so it could not
 * be checked; `AUTH_DEV_ISSUER` means the development issuer could not use its key folder.
 *
 * @example
 * ```ts
 * try { await verifier.verify(token); }
 * catch (error) { if (error instanceof AuthError) log.warn({ reason: error.reason }); }
 * ```
 */
export class AuthError extends BulwarkError<AuthErrorCode> {
  /** The specific reason, for logs and metrics. */
  readonly reason: AuthFailureReason;

  constructor(
    code: AuthErrorCode,
    reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.reason = reason;
  }
}

/** Builds the {@link AuthError} for a refused token. */
export function invalidToken(reason: AuthFailureReason, cause?: unknown): AuthError {
  return new AuthError('AUTH_INVALID_TOKEN', reason, `token refused: ${reason}`, { cause });
}

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
  | 'keys_stale'
  | 'dpop_required'
  | 'dpop_bound_token_as_bearer'
  | 'token_not_dpop_bound'
  | 'dpop_key_mismatch'
  | 'certificate_missing'
  | 'certificate_mismatch'
  | 'dpop_proof_missing'
  | 'dpop_proof_multiple'
  | 'dpop_proof_malformed'
  | 'dpop_proof_type'
  | 'dpop_proof_algorithm'
  | 'dpop_proof_key'
  | 'dpop_proof_signature'
  | 'dpop_proof_claim'
  | 'dpop_proof_htm'
  | 'dpop_proof_htu'
  | 'dpop_proof_iat'
  | 'dpop_proof_ath'
  | 'dpop_proof_replayed'
  | 'dpop_nonce_required'
  | 'dpop_nonce_invalid'
  | 'dpop_replay_store_unavailable';

/** The stable codes of {@link AuthError}. */
export type AuthErrorCode =
  | 'AUTH_INVALID_TOKEN'
  | 'AUTH_KEYS_UNAVAILABLE'
  | 'AUTH_DEV_ISSUER'
  | 'AUTH_INVALID_DPOP_PROOF'
  | 'AUTH_USE_DPOP_NONCE'
  | 'AUTH_DPOP_STORE_UNAVAILABLE';

/**
 * The one error class of `@bulwark/auth`.
 *
 * `AUTH_INVALID_TOKEN` means the token was refused (see {@link AuthError.reason}), including
 * `keys_stale`: the issuer's keys went longer than `jwksMaxStaleSeconds` without a refresh;
 * `AUTH_KEYS_UNAVAILABLE` means no key has ever loaded for the token's issuer, so it could not
 * be checked; `AUTH_DEV_ISSUER` means the development issuer could not use its key folder.
 * For DPoP (RFC 9449): `AUTH_INVALID_DPOP_PROOF` means the `DPoP` proof was refused,
 * `AUTH_USE_DPOP_NONCE` that it lacks the current server nonce (§9), and
 * `AUTH_DPOP_STORE_UNAVAILABLE` that the replay store could not answer, so the proof could not
 * be checked for reuse.
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

/** Builds the {@link AuthError} for a refused DPoP proof (RFC 9449 §4.3). */
export function invalidProof(reason: AuthFailureReason, cause?: unknown): AuthError {
  return new AuthError('AUTH_INVALID_DPOP_PROOF', reason, `DPoP proof refused: ${reason}`, {
    cause,
  });
}

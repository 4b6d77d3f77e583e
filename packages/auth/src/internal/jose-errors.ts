import { errors } from 'jose';
import { AuthError, type AuthFailureReason, invalidToken } from '../auth.error.js';

function claimReason(claim: string, reason: string): AuthFailureReason {
  if (reason === 'missing') return 'missing_claim';
  switch (claim) {
    case 'iss':
      return 'issuer_mismatch';
    case 'aud':
      return 'audience_mismatch';
    case 'nbf':
      return 'not_yet_valid';
    case 'exp':
      return 'expired';
    case 'iat':
      return 'issued_in_future';
    default:
      return 'invalid_claim';
  }
}

/** Turns whatever jose threw into an {@link AuthError} with a specific reason. */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) {
    return invalidToken(error.claim === 'iat' ? 'token_too_old' : 'expired', error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return invalidToken(claimReason(error.claim, error.reason), error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalidToken('signature_invalid', error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken('unknown_key', error);
  if (error instanceof errors.JWKSMultipleMatchingKeys) return invalidToken('ambiguous_key', error);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalidToken('algorithm_not_allowed', error);
  }
  return invalidToken(
    error instanceof errors.JWTInvalid && /claim/.test(error.message)
      ? 'invalid_claim'
      : 'malformed_token',
    error,
  );
}

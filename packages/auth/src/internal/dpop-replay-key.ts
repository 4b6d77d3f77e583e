import { hash } from 'node:crypto';

/** The longest `jti` the memory replay store keeps as sent, beside the key's thumbprint. */
const MEMORY_KEY_MAX_JTI = 64;

/**
 * The memory replay store's key of a proof: `<jkt>.<jti>` as they are, which a base64url
 * thumbprint (no `.`) keeps unambiguous, for a `jti` of usual length; the SHA-256 of that
 * (43 characters, no `.`, so never equal to an unhashed key) for a longer one, so that an entry
 * stays small. The memory store lives in this process only: no other replica reads its keys.
 */
export function memoryReplayKey(proof: { readonly jkt: string; readonly jti: string }): string {
  const key = `${proof.jkt}.${proof.jti}`;
  return proof.jti.length <= MEMORY_KEY_MAX_JTI ? key : hash('sha256', key, 'base64url');
}

import { BulwarkConfigError } from '@bulwark/core';

const ASYMMETRIC = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

function fail(setting: string, message: string): never {
  throw new BulwarkConfigError(setting, message);
}

/** Checks an algorithm allow-list against the key source it will be used with. */
export function resolveAlgorithms(
  algorithms: readonly string[],
  setting: string,
  hasSecret: boolean,
): string[] {
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg) && !(alg in HMAC_MIN_BYTES)) {
      fail(setting, `"${alg}" is not a supported JWS algorithm (RFC 8725 §3.1: never "none").`);
    }
  }
  const symmetric = algorithms.filter((alg) => alg in HMAC_MIN_BYTES);
  if (symmetric.length > 0 && symmetric.length !== algorithms.length) {
    // RFC 8725 §2.1: a verifier that accepts both can be fooled into HMAC with a public key.
    fail(setting, 'must not mix HS* with asymmetric algorithms.');
  }
  if (symmetric.length > 0 && !hasSecret) {
    fail(setting, 'lists HS* algorithms, which need `secret`; public keys never verify HS*.');
  }
  if (symmetric.length === 0 && hasSecret) {
    fail('secret', 'needs `algorithms` set to HS256, HS384 or HS512 only.');
  }
  return [...algorithms];
}

import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** The JWS algorithms the test issuer can sign with. */
export type SigningAlgorithm = 'ES256' | 'ES384' | 'RS256' | 'PS256' | 'EdDSA' | 'HS256';

/** Encodes bytes or text as unpadded base64url (RFC 7515 §2). */
export function base64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * Signs a compact JWS with full control over header and payload, with no validation of
 * either: the header may name any `alg`, `kid`, `crit`, `jku` or `jwk`, so tests can build
 * tokens a correct issuer would refuse to make.
 *
 * @param alg the algorithm actually used to sign, whatever the header says.
 * @param key a private `KeyObject`, or the secret bytes for `HS256`.
 * @example
 * ```ts
 * const token = signCompact({ alg: 'ES256', typ: 'at+jwt', kid }, { sub: 'alice' }, 'ES256', privateKey);
 * ```
 */
export function signCompact(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  alg: SigningAlgorithm,
  key: KeyObject | Uint8Array,
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(
    typeof payload === 'string' ? payload : JSON.stringify(payload),
  )}`;
  return `${input}.${base64url(signBytes(input, alg, key))}`;
}

function signBytes(input: string, alg: SigningAlgorithm, key: KeyObject | Uint8Array): Uint8Array {
  const data = Buffer.from(input);
  switch (alg) {
    case 'HS256':
      return createHmac('sha256', key as Uint8Array)
        .update(data)
        .digest();
    case 'ES256':
      return cryptoSign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    case 'ES384':
      return cryptoSign('sha384', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return cryptoSign('sha256', data, key as KeyObject);
    case 'PS256':
      return cryptoSign('sha256', data, {
        key: key as KeyObject,
        padding: 6, // RSA_PKCS1_PSS_PADDING
        saltLength: 32, // RFC 7518 §3.5: salt length equals the hash length
      });
    case 'EdDSA':
      return cryptoSign(null, data, key as KeyObject);
    default: {
      const unknown: never = alg;
      throw new TypeError(`unsupported algorithm ${String(unknown)}`);
    }
  }
}

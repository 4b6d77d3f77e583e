import { verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** A compact JWS split and decoded; the signature not yet checked. */
export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Splits and decodes a compact JWS with a JSON object payload, or `undefined` if malformed. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const decoded = {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown,
      payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown,
    };
    if (!isObject(decoded.header) || !isObject(decoded.payload)) return undefined;
    return {
      header: decoded.header,
      payload: decoded.payload,
      signingInput: `${header}.${payload}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether `jws` is signed by `key` with its header's `alg`. Only asymmetric algorithms are
 * accepted, and only with a key of the matching type (RFC 8725 §3.1: the key decides, not the
 * token), so `none`, `HS256` with a public key as secret, or ES256 over an RSA key all fail.
 */
export function verifyJws(jws: DecodedJws, key: KeyObject): boolean {
  const alg = jws.header.alg;
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const data = Buffer.from(jws.signingInput);
  try {
    switch (alg) {
      case 'ES256':
      case 'ES384': {
        const expected = alg === 'ES256' ? 'prime256v1' : 'secp384r1';
        if (type !== 'ec' || curve !== expected) return false;
        const hash = alg === 'ES256' ? 'sha256' : 'sha384';
        return cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
      }
      case 'RS256':
        return type === 'rsa' && cryptoVerify('sha256', data, key, jws.signature);
      case 'PS256':
        return (
          (type === 'rsa' || type === 'rsa-pss') &&
          cryptoVerify(
            'sha256',
            data,
            { key, padding: 6, saltLength: 32 }, // RSA_PKCS1_PSS_PADDING; RFC 7518 §3.5
            jws.signature,
          )
        );
      case 'EdDSA':
        return type === 'ed25519' && cryptoVerify(null, data, key, jws.signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

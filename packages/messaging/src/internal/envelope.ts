import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { BulwarkConfigError } from '@bulwark/core';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  errors,
  exportJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';
import { SIGNATURE_TYPE } from '../messaging.constants.js';
import type { MessageActor } from '../messaging.types.js';

/** The claims a producer signs. Short names keep the header small. */
export interface MessageClaims {
  /** The producer: its broker user name (the SPIFFE ID under mTLS). */
  iss: string;
  /** The message id. */
  jti: string;
  iat: number;
  exp: number;
  /** The exchange and routing key the message was published to. */
  ex: string;
  rk: string;
  /** The message type. */
  mt: string;
  /** SHA-256 of the body, base64url. */
  bh: string;
  /** The acting identity, when the message is sent on a user's behalf. */
  act?: MessageActor;
  /** The request id of the request that caused the message. */
  rid?: string;
}

/** The signing algorithms accepted; nothing else is, whatever a header says (RFC 8725 §3.1). */
export const MESSAGE_ALGORITHMS = ['EdDSA', 'ES256'] as const;

/** SHA-256 of `content`, base64url. */
export function bodyHash(content: Buffer): string {
  return createHash('sha256').update(content).digest('base64url');
}

/** The service's signing key, loaded once at start-up. */
export interface SigningKey {
  key: KeyObject;
  alg: 'EdDSA' | 'ES256';
  kid: string;
}

/** Loads a JWK (JSON) or PKCS #8 PEM private key; only Ed25519 and P-256 are accepted. */
export async function loadSigningKey(path: string, setting: string): Promise<SigningKey> {
  const text = readFileSync(path, 'utf8').trim();
  let key: KeyObject;
  let kid: string | undefined;
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      key = createPrivateKey(text);
    }
  } catch {
    throw new BulwarkConfigError(
      setting,
      `the file ${path} does not hold a private key (a JWK or a PKCS #8 PEM). Generate an Ed25519 or P-256 key.`,
    );
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  let alg: SigningKey['alg'];
  if (type === 'ed25519') alg = 'EdDSA';
  else if (type === 'ec' && curve === 'prime256v1') alg = 'ES256';
  else {
    throw new BulwarkConfigError(
      setting,
      `the key in ${path} is ${type ?? 'unknown'}${curve ? ` ${curve}` : ''}; only Ed25519 (EdDSA) and P-256 (ES256) keys sign messages.`,
    );
  }
  const publicJwk = await exportJWK(createPublicKey(key));
  return { key, alg, kid: kid ?? (await calculateJwkThumbprint(publicJwk)) };
}

/** The RFC 7638 SHA-256 thumbprint of a public JWK, as jose's `calculateJwkThumbprint`. */
function thumbprint(jwk: JWK): string {
  const members: Record<string, readonly string[]> = {
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    RSA: ['e', 'kty', 'n'],
  };
  const required = members[jwk.kty ?? ''] ?? ['kty'];
  const canonical = JSON.stringify(
    Object.fromEntries(required.map((name) => [name, (jwk as Record<string, unknown>)[name]])),
  );
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Signs the claims as a compact JWS with `typ` {@link SIGNATURE_TYPE}. */
export function signMessage(signing: SigningKey, claims: MessageClaims): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: SIGNATURE_TYPE })
    .sign(signing.key);
}

/** Why a message failed verification; the reason is logged and counted, never sent anywhere. */
export type VerifyFailure =
  | 'unsigned'
  | 'malformed_signature'
  | 'unknown_producer'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid';

/** The outcome of {@link ProducerKeys.verify}. */
export type VerifyResult =
  | { ok: true; claims: MessageClaims }
  | { ok: false; reason: VerifyFailure; producer?: string };

interface KeyFile {
  path: string;
  mtimeMs: number;
  checkedAt: number;
  keys: JWTVerifyGetKey;
}

/**
 * The trusted producers' public keys, one JWKS file each. A file is read again when its
 * modification time changes, checked at most every `reloadIntervalMs`, so a rotation is a
 * rewrite of the file.
 */
export class ProducerKeys {
  private readonly files = new Map<string, KeyFile>();

  constructor(
    producers: ReadonlyMap<string, string>,
    private readonly reloadIntervalMs: number,
    private readonly now: () => number,
    setting: string,
  ) {
    for (const [id, path] of producers) {
      const loaded = this.load(path);
      if (loaded === undefined) {
        throw new BulwarkConfigError(
          `${setting} (${id})`,
          `the file ${path} is not a JWKS ({ "keys": [...] }) with at least one public key.`,
        );
      }
      this.files.set(id, loaded);
    }
  }

  /** Whether `id` is a trusted producer. */
  has(id: string): boolean {
    return this.files.has(id);
  }

  private load(path: string): KeyFile | undefined {
    try {
      const mtimeMs = statSync(path).mtimeMs;
      const jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) return undefined;
      if (jwks.keys.some((key) => 'd' in key)) return undefined;
      // A key without `kid` is found by its thumbprint, which is what a producer signing with a
      // kid-less JWK or a PEM puts in the JWS header.
      const keys = jwks.keys.map((key) =>
        typeof key.kid === 'string' ? key : { ...key, kid: thumbprint(key) },
      );
      return { path, mtimeMs, checkedAt: this.now(), keys: createLocalJWKSet({ keys }) };
    } catch {
      return undefined;
    }
  }

  private refresh(id: string, force: boolean): KeyFile | undefined {
    const current = this.files.get(id);
    if (current === undefined) return undefined;
    const now = this.now();
    if (!force && now - current.checkedAt < this.reloadIntervalMs) return current;
    if (force && now - current.checkedAt < Math.min(this.reloadIntervalMs, 1000)) return current;
    current.checkedAt = now;
    try {
      if (statSync(current.path).mtimeMs === current.mtimeMs) return current;
    } catch {
      return current;
    }
    // A half-written or broken file keeps the keys that worked.
    const next = this.load(current.path);
    if (next) this.files.set(id, next);
    return next ?? current;
  }

  /**
   * Verifies a message's JWS against the keys of the producer it names, with the algorithm
   * allow-list, the `typ`, the expiry and the maximum age.
   */
  async verify(jws: unknown, maxAgeSeconds: number): Promise<VerifyResult> {
    if (typeof jws !== 'string' || jws === '') return { ok: false, reason: 'unsigned' };
    let issuer: unknown;
    try {
      issuer = decodeJwt(jws).iss;
    } catch {
      return { ok: false, reason: 'malformed_signature' };
    }
    if (typeof issuer !== 'string' || !this.files.has(issuer)) {
      return {
        ok: false,
        reason: 'unknown_producer',
        ...(typeof issuer === 'string' ? { producer: issuer.slice(0, 200) } : {}),
      };
    }
    const attempt = async (file: KeyFile) =>
      jwtVerify(jws, file.keys, {
        algorithms: [...MESSAGE_ALGORITHMS],
        typ: SIGNATURE_TYPE,
        issuer,
        currentDate: new Date(this.now()),
        maxTokenAge: `${maxAgeSeconds}s`,
        clockTolerance: 5,
        requiredClaims: ['jti', 'iat', 'exp', 'ex', 'rk', 'mt', 'bh'],
      });
    try {
      let file = this.refresh(issuer, false) as KeyFile;
      try {
        const { payload } = await attempt(file);
        return { ok: true, claims: payload as unknown as MessageClaims };
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        file = this.refresh(issuer, true) as KeyFile;
        const { payload } = await attempt(file);
        return { ok: true, claims: payload as unknown as MessageClaims };
      }
    } catch (error) {
      return { ok: false, reason: failure(error), producer: issuer };
    }
  }
}

function failure(error: unknown): VerifyFailure {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    // jose reports an `iat` past the maximum age as JWTExpired; this one is in the future.
    if ((error.claim === 'iat' || error.claim === 'nbf') && error.reason === 'check_failed') {
      return 'not_yet_valid';
    }
    return 'malformed_signature';
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  return 'malformed_signature';
}

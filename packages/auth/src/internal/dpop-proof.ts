import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, type JWK, jwtVerify } from 'jose';
import { invalidProof } from '../auth.error.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Longest accepted proof, in characters: an RSA-4096 `jwk` and a signature fit easily. */
export const MAX_PROOF_LENGTH = 4096;
/** Longest accepted `jti`; RFC 9449 §4.2 asks for 96 bits of randomness, so 256 is ample. */
const MAX_JTI_LENGTH = 256;

/** What the request offers a proof to be checked against. */
export interface ProofTarget {
  /** The request method, as sent. */
  method: string;
  /** The request URI as the client saw it, already normalized by {@link normalizeHtu}. */
  htu: string | undefined;
  /** The access token sent with the proof (RFC 9449 §4.3 step 11: `ath`). */
  accessToken: string;
}

/** The settings a proof is checked under. */
export interface ProofPolicy {
  algorithms: readonly string[];
  algorithmSet: ReadonlySet<string>;
  maxAgeSeconds: number;
  clockToleranceSeconds: number;
}

/** A proof that passed every stateless check. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key: compared with the token's `cnf.jkt`. */
  jkt: string;
  jti: string;
  nonce: string | undefined;
}

function decodeHeader(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Upper-cases percent-encodings and decodes those of unreserved characters (RFC 3986 §6.2.2). */
function normalizePath(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, (triplet) => {
    const char = String.fromCharCode(Number.parseInt(triplet.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : triplet.toUpperCase();
  });
}

/**
 * RFC 9449 §4.3 step 9: the `htu` without query and fragment, under RFC 3986 §6.2.2 syntax-based
 * and §6.2.3 scheme-based normalization (lower-case scheme and host, no default port, empty
 * path as `/`, dot segments removed); `undefined` when it is not an http(s) URI.
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    return undefined;
  }
  return `${url.protocol}//${url.host}${normalizePath(url.pathname)}`;
}

/** `base64url(SHA-256(token))`, the `ath` of RFC 9449 §4.2. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

function claimString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Every stateless check of RFC 9449 §4.3 on one proof, each refusal with its own reason:
 * compact JWS, `typ` `dpop+jwt`, an allow-listed asymmetric `alg`, a public `jwk` in the header,
 * the signature (jose, with the embedded key), `jti`/`htm`/`htu`/`iat` present, `htm` and `htu`
 * equal to the request's, `iat` within the window, and `ath` equal to the token's hash. Replay
 * and nonces are checked by the caller, which has the state.
 */
export async function checkProof(
  proof: string,
  target: ProofTarget,
  policy: ProofPolicy,
  nowSeconds: number,
): Promise<CheckedProof> {
  if (proof.length > MAX_PROOF_LENGTH) throw invalidProof('dpop_proof_malformed');
  const parts = proof.split('.');
  if (parts.length !== 3 || !SEGMENT.test(parts[0] as string)) {
    throw invalidProof('dpop_proof_malformed');
  }
  const header = decodeHeader(parts[0] as string);
  if (!header) throw invalidProof('dpop_proof_malformed');
  // §4.2: exactly `dpop+jwt`; explicit typing keeps other JWTs from being passed off as proofs.
  if (header.typ !== 'dpop+jwt') throw invalidProof('dpop_proof_type');
  // Exact match against an asymmetric allow-list: never `none`, never a MAC (§4.3 step 5).
  if (typeof header.alg !== 'string' || !policy.algorithmSet.has(header.alg)) {
    throw invalidProof('dpop_proof_algorithm');
  }
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw invalidProof('dpop_proof_key');
  }
  // §4.3 step 7: the header key must be public; a private member is refused even though the
  // signature would still check out with it.
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
    throw invalidProof('dpop_proof_key');
  }
  if (!SEGMENT.test(parts[1] as string) || !SEGMENT.test(parts[2] as string)) {
    throw invalidProof('dpop_proof_malformed');
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      algorithms: [...policy.algorithms],
      typ: 'dpop+jwt',
      currentDate: new Date(nowSeconds * 1000),
      clockTolerance: policy.clockToleranceSeconds,
    }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw invalidProof('dpop_proof_signature', error);
    }
    if (error instanceof errors.JWSInvalid && /jwk|JWK/.test(error.message)) {
      throw invalidProof('dpop_proof_key', error);
    }
    if (error instanceof errors.JOSENotSupported || error instanceof errors.JWKInvalid) {
      throw invalidProof('dpop_proof_key', error);
    }
    throw invalidProof('dpop_proof_malformed', error);
  }
  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  if (
    !claimString(jti) ||
    jti.length > MAX_JTI_LENGTH ||
    !claimString(htm) ||
    !claimString(htu) ||
    typeof iat !== 'number' ||
    !Number.isFinite(iat) ||
    // §4.3 step 11: a proof presented with an access token must carry `ath`.
    !claimString(ath)
  ) {
    throw invalidProof('dpop_proof_claim');
  }
  if (nonce !== undefined && typeof nonce !== 'string') throw invalidProof('dpop_proof_claim');
  // §4.3 step 8: methods are case-sensitive (RFC 9110 §9.1).
  if (htm !== target.method) throw invalidProof('dpop_proof_htm');
  const normalized = normalizeHtu(htu);
  if (normalized === undefined || target.htu === undefined || normalized !== target.htu) {
    throw invalidProof('dpop_proof_htu');
  }
  // §4.3 step 11 and §11.1: fresh within the window, and not from the future past the leeway.
  if (
    iat > nowSeconds + policy.clockToleranceSeconds ||
    iat < nowSeconds - policy.maxAgeSeconds - policy.clockToleranceSeconds
  ) {
    throw invalidProof('dpop_proof_iat');
  }
  if (ath !== accessTokenHash(target.accessToken)) throw invalidProof('dpop_proof_ath');
  let jkt: string;
  try {
    jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  } catch (error) {
    throw invalidProof('dpop_proof_key', error);
  }
  return { jkt, jti, nonce };
}

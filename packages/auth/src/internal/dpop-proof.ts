import { createHash } from 'node:crypto';
import {
  EmbeddedJWK,
  errors,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  jwtVerify,
} from 'jose';
import { invalidProof } from '../auth.error.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Longest accepted proof, in characters: an RSA-4096 `jwk` and a signature fit easily. */
export const MAX_PROOF_LENGTH = 4096;
/** Longest accepted `jti`; RFC 9449 §4.2 asks for 96 bits of randomness, so 256 is ample. */
const MAX_JTI_LENGTH = 256;

/** How many proof keys stay imported; a client keeps one key for many proofs (RFC 9449 §1). */
const KEY_CACHE_SIZE = 1024;

/** A key as jose imports it from a proof's header. */
type ProofKey = Awaited<ReturnType<typeof EmbeddedJWK>>;

/** A proof key that verified a proof, with its thumbprint. */
interface ImportedKey {
  key: ProofKey;
  jkt: string;
}

/**
 * Keys of proofs that verified, by `alg` and the header's `jwk` exactly as sent: importing a
 * key (jose's EmbeddedJWK) and hashing its thumbprint cost more than the signature check, and
 * both give the same answer for the same `alg` and `jwk`. Only keys that verified a proof are
 * kept, the oldest dropped first.
 */
const importedKeys = new Map<string, ImportedKey>();

function rememberKey(id: string, imported: ImportedKey): void {
  if (importedKeys.size >= KEY_CACHE_SIZE) {
    const oldest = importedKeys.keys().next().value;
    if (oldest !== undefined) importedKeys.delete(oldest);
  }
  importedKeys.set(id, imported);
}

/** Each string member RFC 7638 §3.2 hashes must be present and non-empty. */
function member(jwk: Record<string, unknown>, name: string): string {
  const value = jwk[name];
  if (typeof value !== 'string' || value === '') throw new Error(`"${name}" missing or invalid`);
  return value;
}

/**
 * RFC 7638 SHA-256 thumbprint: the required members of the key type, in lexicographic order, as
 * JSON without whitespace, hashed with node:crypto (the same answer as jose's
 * `calculateJwkThumbprint`, without WebCrypto's promise and copies).
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  let required: Record<string, string>;
  switch (jwk.kty) {
    case 'EC':
      required = { crv: member(jwk, 'crv'), kty: 'EC', x: member(jwk, 'x'), y: member(jwk, 'y') };
      break;
    case 'OKP':
      required = { crv: member(jwk, 'crv'), kty: 'OKP', x: member(jwk, 'x') };
      break;
    case 'RSA':
      required = { e: member(jwk, 'e'), kty: 'RSA', n: member(jwk, 'n') };
      break;
    case 'AKP':
      required = { alg: member(jwk, 'alg'), kty: 'AKP', pub: member(jwk, 'pub') };
      break;
    default:
      throw new Error('"kty" missing or unsupported');
  }
  return createHash('sha256').update(JSON.stringify(required), 'utf8').digest('base64url');
}

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
  // The same `alg` and `jwk` import to the same key: a key that verified a proof before is used
  // as it is; a new one goes through EmbeddedJWK, inside jwtVerify, as always.
  const keyId = `${header.alg}\n${JSON.stringify(jwk)}`;
  const known = importedKeys.get(keyId);
  let imported: ProofKey | undefined;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(
      proof,
      known?.key ??
        (async (protectedHeader: JWTHeaderParameters, token: FlattenedJWSInput) => {
          imported = await EmbeddedJWK(protectedHeader, token);
          return imported;
        }),
      {
        algorithms: [...policy.algorithms],
        typ: 'dpop+jwt',
        currentDate: new Date(nowSeconds * 1000),
        clockTolerance: policy.clockToleranceSeconds,
      },
    ));
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
  if (known !== undefined) return { jkt: known.jkt, jti, nonce };
  let jkt: string;
  try {
    jkt = jwkThumbprint(jwk as Record<string, unknown>);
  } catch (error) {
    throw invalidProof('dpop_proof_key', error);
  }
  if (imported !== undefined) rememberKey(keyId, { key: imported, jkt });
  return { jkt, jti, nonce };
}

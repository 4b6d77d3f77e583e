import { isUtf8 } from 'node:buffer';
import { constants, createHash, KeyObject, verify, type webcrypto } from 'node:crypto';
import {
  EmbeddedJWK,
  errors,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  jwtVerify,
} from 'jose';
import { invalidProof } from '../auth.error.js';
import { accessTokenHashOf } from './token-digest.js';

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

/** Checks a JWS signature over its signing input, for one key and one `alg`. */
type SignatureCheck = (input: Buffer, signature: Buffer) => boolean;

/** A proof key that verified a proof, with its thumbprint. */
interface ImportedKey {
  key: ProofKey;
  jkt: string;
  /** The same signature check as jose's for this key and `alg`, through node:crypto. */
  verify: SignatureCheck | undefined;
}

/**
 * Keys of proofs that verified, by `alg` and the header's `jwk` exactly as sent: importing a
 * key (jose's EmbeddedJWK) and hashing its thumbprint cost more than the signature check, and
 * both give the same answer for the same `alg` and `jwk`. Only keys that verified a proof are
 * kept, the oldest dropped first.
 */
const importedKeys = new Map<string, ImportedKey>();

/** Forgets every remembered proof key. For tests: the next proof of any key goes through jose. */
export function forgetProofKeys(): void {
  importedKeys.clear();
  decodedHeaders.clear();
}

function rememberKey(id: string, imported: ImportedKey): void {
  if (importedKeys.size >= KEY_CACHE_SIZE) {
    const oldest = importedKeys.keys().next().value;
    if (oldest !== undefined) importedKeys.delete(oldest);
  }
  importedKeys.set(id, imported);
}

/**
 * The signature check jose runs for `alg` (its `lib/jws_algorithms.js`: ECDSA over the raw
 * `r || s` of RFC 7518 §3.4, RSASSA-PKCS1-v1_5, RSASSA-PSS with a salt as long as the hash,
 * Ed25519), as a synchronous node:crypto call on the same key: WebCrypto's `verify` runs as a
 * thread-pool job behind a promise, which costs more CPU than the check itself. `undefined` for
 * a key or `alg` this table does not cover; such proofs keep going through jose.
 */
function signatureCheck(alg: string, imported: ProofKey): SignatureCheck | undefined {
  let key: KeyObject;
  try {
    key = KeyObject.from(imported as unknown as webcrypto.CryptoKey);
  } catch {
    return undefined;
  }
  const bits = alg.slice(2);
  switch (alg) {
    case 'ES256':
    case 'ES384':
    case 'ES512': {
      const options = { key, dsaEncoding: 'ieee-p1363' as const };
      return (input, signature) => verify(`sha${bits}`, input, options, signature);
    }
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return (input, signature) => verify(`sha${bits}`, input, key, signature);
    case 'PS256':
    case 'PS384':
    case 'PS512': {
      const options = {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(bits) / 8,
      };
      return (input, signature) => verify(`sha${bits}`, input, options, signature);
    }
    case 'EdDSA':
    case 'Ed25519':
      return (input, signature) => verify(null, input, key, signature);
    default:
      return undefined;
  }
}

/** jose decodes the claims set with a fatal UTF-8 decoder (a leading BOM dropped): so does this. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The claims-set checks jose's `jwtVerify` runs under the options {@link checkProof} gives it
 * (`typ`, `currentDate`, `clockTolerance`; its `lib/jwt_claims_set.js`): a JSON object in strict
 * UTF-8; `iat`, `nbf` and `exp` numbers when present; `nbf` not after now plus the tolerance;
 * `exp` after now minus the tolerance. Each refusal is jose's, which {@link checkProof} reports
 * as `dpop_proof_malformed`.
 */
export function joseClaimsSet(
  bytes: Uint8Array,
  nowSeconds: number,
  toleranceSeconds: number,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch (error) {
    throw invalidProof('dpop_proof_malformed', error);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidProof('dpop_proof_malformed');
  }
  const claims = value as Record<string, unknown>;
  // jose's `epoch(currentDate)`, for the `currentDate` checkProof passes it.
  const now = Math.floor(new Date(nowSeconds * 1000).getTime() / 1000);
  const { iat, nbf, exp } = claims;
  if (
    (iat !== undefined && typeof iat !== 'number') ||
    (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + toleranceSeconds)) ||
    (exp !== undefined && (typeof exp !== 'number' || exp <= now - toleranceSeconds))
  ) {
    throw invalidProof('dpop_proof_malformed');
  }
  return claims;
}

/**
 * Whether jose's compact JWS steps before the signature (`lib/jws_verify.js`) can only pass for
 * this proof with a key they passed before under the same `alg`: no `crit` (and so no `b64`
 * extension), every segment one that base64url decoding accepts (jose refuses a length of 1
 * modulo 4, node:crypto's decoder would drop the character), and a header in valid UTF-8 (jose
 * decodes it strictly). Every segment is already known to be of the base64url alphabet only.
 */
function plainCompact(decoded: DecodedHeader, parts: string[]): boolean {
  return (
    !Object.hasOwn(decoded.header, 'crit') &&
    (parts[0] as string).length % 4 !== 1 &&
    (parts[1] as string).length % 4 !== 1 &&
    (parts[2] as string).length % 4 !== 1 &&
    decoded.utf8
  );
}

/**
 * jose's `jwtVerify` for a proof whose key verified a proof before, as {@link plainCompact}
 * allows: the same signature check, synchronous, then {@link joseClaimsSet}. The signing input
 * is the first two segments as sent (RFC 7515 §5.2 step 8).
 */
function verifyKnown(
  proof: string,
  parts: string[],
  check: SignatureCheck,
  nowSeconds: number,
  toleranceSeconds: number,
): Record<string, unknown> {
  const input = Buffer.from(proof.slice(0, proof.lastIndexOf('.')), 'latin1');
  let valid: boolean;
  try {
    valid = check(input, Buffer.from(parts[2] as string, 'base64url'));
  } catch (error) {
    throw invalidProof('dpop_proof_signature', error);
  }
  if (!valid) throw invalidProof('dpop_proof_signature');
  return joseClaimsSet(Buffer.from(parts[1] as string, 'base64url'), nowSeconds, toleranceSeconds);
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

/** A proof's JOSE header as decoded from its segment, with what is derived from it. */
interface DecodedHeader {
  header: Record<string, unknown>;
  /** Whether the segment decodes to valid UTF-8, as jose's strict decoder asks. */
  utf8: boolean;
  /** The key cache's id of the header's `alg` and `jwk`, once computed. */
  keyId?: string;
}

function decodeHeader(segment: string): DecodedHeader | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { header: value as Record<string, unknown>, utf8: isUtf8(bytes) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** How many decoded proof headers stay remembered, and the longest header segment remembered. */
const HEADER_CACHE_SIZE = 1024;
const HEADER_CACHE_MAX_LENGTH = 2048;
/**
 * Decoded headers of proofs that passed, by their segment exactly as sent: a client's proofs
 * repeat the same header (`typ`, `alg`, `jwk`) byte for byte, and the same bytes decode to the
 * same header. Every check of the header still runs on the remembered copy, which is frozen.
 */
const decodedHeaders = new Map<string, DecodedHeader>();

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

function rememberHeader(segment: string, decoded: DecodedHeader): void {
  if (segment.length > HEADER_CACHE_MAX_LENGTH || decodedHeaders.has(segment)) return;
  if (decodedHeaders.size >= HEADER_CACHE_SIZE) {
    const oldest = decodedHeaders.keys().next().value;
    if (oldest !== undefined) decodedHeaders.delete(oldest);
  }
  deepFreeze(decoded.header);
  decodedHeaders.set(segment, decoded);
}

/** Upper-cases percent-encodings and decodes those of unreserved characters (RFC 3986 §6.2.2). */
function normalizePath(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, (triplet) => {
    const char = String.fromCharCode(Number.parseInt(triplet.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : triplet.toUpperCase();
  });
}

/** How many normalized `htu` values stay remembered, and the longest one remembered. */
const HTU_CACHE_SIZE = 1024;
const HTU_CACHE_MAX_LENGTH = 512;
/**
 * {@link normalizeHtu}'s answers by input: a client sends the same `htu` for the same resource,
 * and the request's own URI repeats too, while parsing a URL costs more than the rest of the
 * comparison. The function is pure, so a remembered answer is the answer; the oldest is dropped
 * first.
 */
const normalizedHtus = new Map<string, string>();

/**
 * RFC 9449 §4.3 step 9: the `htu` without query and fragment, under RFC 3986 §6.2.2 syntax-based
 * and §6.2.3 scheme-based normalization (lower-case scheme and host, no default port, empty
 * path as `/`, dot segments removed); `undefined` when it is not an http(s) URI.
 */
export function normalizeHtu(value: string): string | undefined {
  const remembered = normalizedHtus.get(value);
  if (remembered !== undefined) return remembered;
  const normalized = parseHtu(value);
  if (normalized !== undefined && value.length <= HTU_CACHE_MAX_LENGTH) {
    if (normalizedHtus.size >= HTU_CACHE_SIZE) {
      const oldest = normalizedHtus.keys().next().value;
      if (oldest !== undefined) normalizedHtus.delete(oldest);
    }
    normalizedHtus.set(value, normalized);
  }
  return normalized;
}

function parseHtu(value: string): string | undefined {
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
  return checkProofNow(proof, target, policy, nowSeconds);
}

/**
 * {@link checkProof}, answered synchronously (or thrown) when the proof's key verified a proof
 * before and jose could not answer otherwise; with a promise when jose checks the proof.
 */
export function checkProofNow(
  proof: string,
  target: ProofTarget,
  policy: ProofPolicy,
  nowSeconds: number,
): CheckedProof | Promise<CheckedProof> {
  if (proof.length > MAX_PROOF_LENGTH) throw invalidProof('dpop_proof_malformed');
  const parts = proof.split('.');
  if (parts.length !== 3 || !SEGMENT.test(parts[0] as string)) {
    throw invalidProof('dpop_proof_malformed');
  }
  const decoded = decodedHeaders.get(parts[0] as string) ?? decodeHeader(parts[0] as string);
  if (!decoded) throw invalidProof('dpop_proof_malformed');
  const { header } = decoded;
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
  // as it is, through node:crypto when jose's steps before the signature cannot refuse this
  // proof; a new key goes through EmbeddedJWK, inside jwtVerify, as always.
  decoded.keyId ??= `${header.alg}\n${JSON.stringify(jwk)}`;
  const known = importedKeys.get(decoded.keyId);
  const signed: SignedProof = { parts, decoded, known, imported: undefined };
  if (known?.verify !== undefined && plainCompact(decoded, parts)) {
    const payload = verifyKnown(
      proof,
      parts,
      known.verify,
      nowSeconds,
      policy.clockToleranceSeconds,
    );
    return checkClaims(payload, signed, target, policy, nowSeconds);
  }
  return verifyWithJose(proof, signed, policy, nowSeconds).then((payload) =>
    checkClaims(payload, signed, target, policy, nowSeconds),
  );
}

/** A proof whose header passed its checks, on its way through the signature and the claims. */
interface SignedProof {
  parts: string[];
  decoded: DecodedHeader;
  known: ImportedKey | undefined;
  /** The key EmbeddedJWK imported for a new key, once jose verified the signature with it. */
  imported: ProofKey | undefined;
}

/** jose's `jwtVerify`, with the remembered key or EmbeddedJWK, each failure with its reason. */
async function verifyWithJose(
  proof: string,
  signed: SignedProof,
  policy: ProofPolicy,
  nowSeconds: number,
): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(
      proof,
      signed.known?.key ??
        (async (protectedHeader: JWTHeaderParameters, token: FlattenedJWSInput) => {
          signed.imported = await EmbeddedJWK(protectedHeader, token);
          return signed.imported;
        }),
      {
        algorithms: [...policy.algorithms],
        typ: 'dpop+jwt',
        currentDate: new Date(nowSeconds * 1000),
        clockTolerance: policy.clockToleranceSeconds,
      },
    );
    return payload;
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
}

/** The claim checks of a proof whose signature verified, then its key's thumbprint. */
function checkClaims(
  payload: Record<string, unknown>,
  signed: SignedProof,
  target: ProofTarget,
  policy: ProofPolicy,
  nowSeconds: number,
): CheckedProof {
  const { jti, htm, htu, iat, ath, nonce } = payload;
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
  if (ath !== accessTokenHashOf(target.accessToken)) throw invalidProof('dpop_proof_ath');
  const { parts, decoded, known, imported } = signed;
  if (known !== undefined) {
    rememberHeader(parts[0] as string, decoded);
    return { jkt: known.jkt, jti, nonce };
  }
  let jkt: string;
  try {
    jkt = jwkThumbprint(decoded.header.jwk as Record<string, unknown>);
  } catch (error) {
    throw invalidProof('dpop_proof_key', error);
  }
  if (imported !== undefined && decoded.keyId !== undefined) {
    const alg = decoded.header.alg as string;
    rememberKey(decoded.keyId, { key: imported, jkt, verify: signatureCheck(alg, imported) });
    rememberHeader(parts[0] as string, decoded);
  }
  return { jkt, jti, nonce };
}

import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { base64url, type SigningAlgorithm, signCompact } from './jws.js';

/** The algorithms a test DPoP key can sign proofs with. */
export type DpopAlgorithm = 'ES256' | 'EdDSA' | 'RS256' | 'PS256';

/** A client's DPoP key pair (RFC 9449 §4): signs proofs, and binds tokens by its thumbprint. */
export interface DpopKey {
  /** The JWS algorithm of its proofs. */
  readonly alg: DpopAlgorithm;
  /** The private key. */
  readonly privateKey: KeyObject;
  /** The public key as the JWK put in proof headers: public members only. */
  readonly publicJwk: JsonWebKey;
  /** The private key as a JWK, for hostile proofs that leak it in the header. */
  readonly privateJwk: JsonWebKey;
  /** The RFC 7638 SHA-256 thumbprint, the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
}

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 JWK thumbprint, base64url: what a DPoP-bound token carries in `cnf.jkt`.
 *
 * @example
 * ```ts
 * jwkThumbprint(key.publicJwk) === key.jkt; // true
 * ```
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''];
  if (!members) throw new TypeError(`no RFC 7638 thumbprint for kty ${String(jwk.kty)}`);
  const canonical = `{${members
    .map((name) => `"${name}":${JSON.stringify((jwk as Record<string, unknown>)[name])}`)
    .join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * Creates a DPoP key pair for a test client.
 *
 * @example
 * ```ts
 * const key = createDpopKey();
 * const token = issuer.mint({ claims: { cnf: { jkt: key.jkt } } }); // or issuer.mintDpopBound(key)
 * ```
 */
export function createDpopKey(alg: DpopAlgorithm = 'ES256'): DpopKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = pair.publicKey.export({ format: 'jwk' });
  return {
    alg,
    privateKey: pair.privateKey,
    publicJwk,
    privateJwk: pair.privateKey.export({ format: 'jwk' }),
    jkt: jwkThumbprint(publicJwk),
  };
}

/** What a proof is for, plus overrides. Any header member or claim set to `undefined` is left out. */
export interface DpopProofOptions {
  /** `htm`: the request method. */
  method: string;
  /** `htu`: the request URL; query and fragment are dropped (RFC 9449 §4.2). */
  url: string;
  /** The access token the proof goes with; `ath` is its hash (§4.2). */
  accessToken?: string;
  /** The server nonce (§9), when the server asked for one. */
  nonce?: string;
  /**
   * `iat`, in seconds since the epoch.
   * @default Math.floor(Date.now() / 1000)
   */
  now?: number;
  /**
   * `jti`.
   * @default a random UUID
   */
  jti?: string;
  /** Claims merged over the defaults (`jti`, `htm`, `htu`, `iat`, `ath`, `nonce`). */
  claims?: Record<string, unknown>;
  /** Header members merged over the defaults (`typ: 'dpop+jwt'`, `alg`, `jwk`). */
  header?: Record<string, unknown>;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** `htu` as RFC 9449 §4.2 wants it: the URL without query and fragment. */
function htuOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Builds an honest DPoP proof JWT for one request, signed with the client's key.
 *
 * @example
 * ```ts
 * const proof = createDpopProof(key, { method: 'GET', url: `${base}/me`, accessToken: token });
 * await fetch(`${base}/me`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * ```
 */
export function createDpopProof(key: DpopKey, options: DpopProofOptions): string {
  const header = withoutUndefined({
    typ: 'dpop+jwt',
    alg: key.alg,
    jwk: key.publicJwk,
    ...options.header,
  });
  const claims = withoutUndefined({
    jti: options.jti ?? randomUUID(),
    htm: options.method,
    htu: htuOf(options.url),
    iat: options.now ?? Math.floor(Date.now() / 1000),
    ath:
      options.accessToken === undefined
        ? undefined
        : createHash('sha256').update(options.accessToken).digest('base64url'),
    nonce: options.nonce,
    ...options.claims,
  });
  return signCompact(header, claims, key.alg as SigningAlgorithm, key.privateKey);
}

/** One DPoP proof that a correct resource server must refuse with 401. */
export interface HostileDpopProof {
  /** A stable id such as `typ:JWT` or `claim:missing-jti`. */
  readonly id: string;
  /** What is wrong with the proof, in one sentence. */
  readonly defect: string;
  /** The proof, to send in the `DPoP` header with `Authorization: DPoP <token>`. */
  readonly proof: string;
}

/**
 * The hostile proofs of the OpenID Foundation's FAPI 2.0 DPoP resource-server tests, and more,
 * each made for the same request as an honest proof would be, so that the defect is the only
 * reason to refuse it: wrong `typ`; `none`, HS256 and an algorithm outside the default
 * allow-list; a bad signature; a private key or no key in the header; each required claim
 * missing; wrong `htm` and `htu`; `iat` an hour off either way; a wrong `ath`; and a proof by
 * another key than the token is bound to.
 *
 * @example
 * ```ts
 * for (const { id, proof } of createHostileDpopProofs(key, { method: 'GET', url, accessToken })) {
 *   expect((await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } })).status).toBe(401);
 * }
 * ```
 */
export function createHostileDpopProofs(
  key: DpopKey,
  options: DpopProofOptions,
): HostileDpopProof[] {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const base = { ...options, now };
  const proof = (changes: Partial<DpopProofOptions>) =>
    createDpopProof(key, {
      ...base,
      ...changes,
      header: { ...base.header, ...changes.header },
      claims: { ...base.claims, ...changes.claims },
    });
  const honest = proof({});
  const [head = '', body = '', signature = ''] = honest.split('.');
  const flipped = `${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  const url = new URL(options.url);
  const otherUrl = `${url.protocol}//${url.host}${url.pathname}-other`;
  const unsigned = (header: Record<string, unknown>) =>
    `${base64url(JSON.stringify(header))}.${body}.`;
  const list: HostileDpopProof[] = [
    { id: 'typ:JWT', defect: 'typ is JWT, not dpop+jwt', proof: proof({ header: { typ: 'JWT' } }) },
    { id: 'typ:missing', defect: 'no typ', proof: proof({ header: { typ: undefined } }) },
    {
      id: 'alg:none',
      defect: 'alg none with an empty signature',
      proof: unsigned({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk }),
    },
    {
      id: 'alg:HS256',
      defect: 'a MAC algorithm, keyed with the public key',
      proof: signCompact(
        { typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk },
        JSON.parse(Buffer.from(body, 'base64url').toString()),
        'HS256',
        Buffer.from(JSON.stringify(key.publicJwk)),
      ),
    },
    {
      id: 'alg:ES384',
      defect: 'an algorithm outside the default allow-list',
      proof: `${base64url(JSON.stringify({ ...JSON.parse(Buffer.from(head, 'base64url').toString()), alg: 'ES384' }))}.${body}.${signature}`,
    },
    {
      id: 'signature:flipped',
      defect: 'the signature does not verify',
      proof: `${head}.${body}.${flipped}`,
    },
    {
      id: 'jwk:private',
      defect: 'the header key carries its private part',
      proof: proof({ header: { jwk: key.privateJwk } }),
    },
    {
      id: 'jwk:missing',
      defect: 'no jwk in the header',
      proof: proof({ header: { jwk: undefined } }),
    },
    ...(
      ['jti', 'htm', 'htu', 'iat', ...(options.accessToken === undefined ? [] : ['ath'])] as const
    ).map((claim) => ({
      id: `claim:missing-${claim}`,
      defect: `no ${claim} claim`,
      proof: proof({ claims: { [claim]: undefined } }),
    })),
    {
      id: 'htm:wrong',
      defect: 'htm names another method',
      proof: proof({ method: options.method === 'POST' ? 'GET' : 'POST' }),
    },
    {
      id: 'htm:lower-case',
      defect: 'htm in lower case',
      proof: proof({ method: options.method.toLowerCase() }),
    },
    { id: 'htu:wrong', defect: 'htu names another path', proof: proof({ url: otherUrl }) },
    {
      id: 'htu:other-host',
      defect: 'htu names another host',
      proof: proof({ claims: { htu: `${url.protocol}//attacker.example${url.pathname}` } }),
    },
    { id: 'iat:hour-ago', defect: 'iat an hour in the past', proof: proof({ now: now - 3600 }) },
    {
      id: 'iat:hour-ahead',
      defect: 'iat an hour in the future',
      proof: proof({ now: now + 3600 }),
    },
    {
      id: 'key:other',
      defect: 'signed by another key than the token is bound to',
      proof: createDpopProof(createDpopKey(key.alg), base),
    },
  ];
  if (options.accessToken !== undefined) {
    list.push({
      id: 'ath:wrong',
      defect: 'ath is the hash of another token',
      proof: proof({ accessToken: `${options.accessToken}x` }),
    });
  }
  return list;
}

import type { ClientAddressResolver, TrustProxy } from '@bulwark/core/peer';
import type { Cluster, Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import type { DpopReplayStore } from './dpop-replay.store.js';

/** A public key given as PEM text: an SPKI public key or an X.509 certificate. */
export interface PemPublicKey {
  /** `-----BEGIN PUBLIC KEY-----…` or `-----BEGIN CERTIFICATE-----…`. */
  pem: string;
  /** The JWS algorithm this key verifies, such as `RS256`. Required: a PEM does not say. */
  alg: string;
  /** The `kid` tokens signed by this key carry. Leave out only when there is a single key. */
  kid?: string;
}

/** The key source and audience of one trusted issuer. Exactly one key source must be set. */
export interface TrustedIssuerOptions {
  /** The exact `iss` value (no normalisation: a trailing slash matters). */
  issuer: string;
  /** Accepted `aud` values; a token passes when any of its audiences is listed. */
  audience: string | readonly string[];
  /**
   * The issuer's JWKS URL. In production it must use https, except on loopback or with
   * {@link AuthModuleOptions.allowHttpKeys}.
   */
  jwksUri?: string;
  /**
   * Finds `jwks_uri` through OpenID discovery at `<issuer>/.well-known/openid-configuration`,
   * falling back to RFC 8414's `/.well-known/oauth-authorization-server` document. The document's
   * `issuer` must equal `issuer` exactly (OpenID Connect Discovery 1.0 §4.3, RFC 8414 §3.3), and
   * the https rule of `jwksUri` applies to the issuer and to the discovered `jwks_uri`.
   * @default false
   */
  discovery?: boolean;
  /** A static JSON Web Key Set (public keys only). */
  jwks?: JSONWebKeySet;
  /** Static PEM public keys or certificates. */
  publicKeys?: readonly PemPublicKey[];
  /**
   * A shared secret for HS256/HS384/HS512, at least 32 bytes. Allowed only when `algorithms`
   * lists HS* algorithms and nothing else; never combined with public keys.
   */
  secret?: string | Uint8Array;
  /** Overrides the module-wide {@link AuthModuleOptions.algorithms} for this issuer. */
  algorithms?: readonly string[];
  /** Overrides the module-wide {@link AuthModuleOptions.scopeClaim} for this issuer. */
  scopeClaim?: string;
  /** Overrides the module-wide {@link AuthModuleOptions.rolesClaim} for this issuer. */
  rolesClaim?: string;
}

/** Options of the verified-token cache. */
export interface AuthCacheOptions {
  /**
   * Whether verified tokens are cached.
   * @default true
   */
  enabled?: boolean;
  /**
   * Most tokens kept; the least recently used is evicted first.
   * @default 10000
   */
  maxEntries?: number;
}

/**
 * How the `DPoP` authentication scheme is handled (RFC 9449):
 * - `off`: only `Bearer` is read; `DPoP` credentials count as another scheme.
 * - `allowed`: `Bearer` and `DPoP` are both accepted.
 * - `required`: `Bearer` is refused with a `WWW-Authenticate: DPoP` challenge.
 *
 * In every mode a token bound to a proof key (`cnf.jkt`) is refused with `Bearer` (§7.1).
 */
export type DpopMode = 'off' | 'allowed' | 'required';

/** DPoP (RFC 9449) settings of the resource server. */
export interface DpopOptions {
  /**
   * Environment: `AUTH_DPOP`.
   * @default 'allowed'
   */
  mode?: DpopMode;
  /**
   * Accepted proof algorithms (asymmetric only), also sent as the challenge's `algs`.
   * @default ['ES256', 'EdDSA', 'RS256', 'PS256']
   */
  algorithms?: readonly string[];
  /**
   * How old a proof's `iat` may be, in seconds (plus `clockToleranceSeconds`; a proof from the
   * future is accepted only within the tolerance). Environment: `AUTH_DPOP_MAX_AGE_SECONDS`.
   * @default 60
   */
  maxAgeSeconds?: number;
  /**
   * Server nonces (RFC 9449 §9): proofs must carry a `nonce` this service minted, handed out in
   * the `DPoP-Nonce` header and asked for with `error="use_dpop_nonce"`. Nonces are an HMAC over
   * a time step, so every replica with the same key accepts them. Needs `nonceKey` or
   * `nonceKeyFile`. Environment: `AUTH_DPOP_NONCE=true`.
   * @default false
   */
  nonce?: boolean;
  /** The nonce HMAC key, at least 32 bytes. Prefer {@link nonceKeyFile}. */
  nonceKey?: string | Uint8Array;
  /**
   * A file holding the nonce HMAC key (at least 32 bytes; surrounding whitespace is ignored),
   * such as a mounted Kubernetes secret, read at start-up. Environment:
   * `AUTH_DPOP_NONCE_KEY_FILE`.
   */
  nonceKeyFile?: string;
  /**
   * How long one nonce step lasts, in seconds; a nonce is accepted during its step and the next.
   * @default 60
   */
  nonceStepSeconds?: number;
  /**
   * The replay store shared by every replica: a `redis://` URL or an ioredis client. A store
   * that cannot answer refuses DPoP requests with 503 and `Retry-After`.
   * Environment: `REDIS_URL`.
   * @default the bounded memory store, per process
   */
  redis?: string | Redis | Cluster;
  /** Another replay store. Not combined with `redis`. */
  replayStore?: DpopReplayStore;
  /**
   * Proofs the memory store remembers; when all are still in their window, new proofs get 503.
   * @default 200000
   */
  replayMaxEntries?: number;
  /**
   * Longest wait for the Redis store, in milliseconds.
   * @default 500
   */
  replayTimeoutMs?: number;
  /**
   * The trusted proxies, whose `X-Forwarded-Proto` and `X-Forwarded-Host` (the nearest value)
   * give the scheme and host the client used, for the `htu` comparison. Nobody else's are read.
   * Environment: `TRUST_PROXY`.
   * @default false
   */
  trustProxy?: TrustProxy;
}

/** Where the development issuer keeps its key pair. */
export interface DevIssuerOptions {
  /**
   * The folder, relative to the working directory. A `.gitignore` inside it keeps it out of git.
   * @default '.bulwark/dev-issuer'
   */
  directory?: string;
}

/**
 * Options of `AuthModule.forRoot` and of {@link TokenVerifier}.
 *
 * Configure one issuer with the top-level `issuer`, `audience` and one key source, or several
 * with `issuers`. With no key source at all, outside production, the development issuer is used.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({
 *   issuer: 'https://idp.example.com/',
 *   audience: 'orders-api',
 *   jwksUri: 'https://idp.example.com/.well-known/jwks.json',
 * });
 * ```
 */
export interface AuthModuleOptions extends Partial<TrustedIssuerOptions> {
  /** Several trusted issuers, each with its own keys and audience. Not combined with `issuer`. */
  issuers?: readonly TrustedIssuerOptions[];
  /**
   * The JWS algorithm allow-list. HS* only with `secret`, and never mixed with asymmetric ones.
   * @default ['ES256', 'EdDSA', 'RS256', 'PS256']
   */
  algorithms?: readonly string[];
  /**
   * Accepted `typ` header values (RFC 9068 §2.1). Compared case-insensitively, with an optional
   * `application/` prefix (RFC 7515 §4.1.9). Add `'JWT'` for IdPs that do not type access tokens.
   * @default ['at+jwt', 'application/at+jwt']
   */
  tokenTypes?: readonly string[];
  /**
   * Leeway for `exp`, `nbf` and `iat`, in seconds.
   * @default 5
   */
  clockToleranceSeconds?: number;
  /**
   * Claims that must be present. `sub` and `exp` are always required.
   * @default ['sub', 'exp']
   */
  requiredClaims?: readonly string[];
  /** When set, tokens whose `iat` is older than this many seconds are refused (`iat` required). */
  maxTokenAgeSeconds?: number;
  /**
   * Longest accepted token, in characters, checked before any parsing.
   * @default 8192
   */
  maxTokenLength?: number;
  /**
   * Claim path of the scopes: a space-delimited string or an array of strings. Dots descend into
   * objects unless a top-level claim has the exact name.
   * @default `scope`, then `scp`
   */
  scopeClaim?: string;
  /**
   * Claim path of the roles, such as `realm_access.roles` for Keycloak. A value that is not an
   * array of strings is ignored.
   * @default 'roles'
   */
  rolesClaim?: string;
  /**
   * The verified-token cache; `false` turns it off.
   * @default { enabled: true, maxEntries: 10000 }
   */
  cache?: boolean | AuthCacheOptions;
  /**
   * Least time between two JWKS fetches that tokens trigger, in seconds: an unknown `kid`
   * triggers at most one refetch per cooldown. Once keys have loaded, it is also the first delay
   * of the backoff after a failed refresh (before any key has loaded, retries start at 1 s).
   * @default 30
   */
  jwksCooldownSeconds?: number;
  /**
   * How often fetched keys are refreshed, in seconds: on a timer, whether or not tokens reach
   * the key set, and also in the background when a token finds them older than this. The old
   * keys keep working while a refresh fails, up to {@link jwksMaxStaleSeconds}; a failed fetch
   * is retried with exponential backoff.
   * @default 600
   */
  jwksMaxAgeSeconds?: number;
  /**
   * Longest time fetched keys stay in use without a successful refresh, in seconds. Past it,
   * tokens of that issuer are refused with 401 (`reason: 'keys_stale'`), readiness turns 503,
   * and an `authentication.failed` security event with reason `keys_stale` is published, so a
   * key the IdP withdrew cannot stay trusted because its refresh keeps failing. Must be greater
   * than `jwksMaxAgeSeconds`. Environment: `AUTH_JWKS_MAX_STALE_SECONDS`.
   * @default 86400 (24 hours), or twice `jwksMaxAgeSeconds` when that is longer
   */
  jwksMaxStaleSeconds?: number;
  /**
   * Timeout of a JWKS or discovery fetch, in seconds.
   * @default 5
   */
  jwksTimeoutSeconds?: number;
  /**
   * The `realm` of `WWW-Authenticate` challenges. Recorded in `@bulwark/core` at start-up, so
   * that a 401 raised by another package (`@bulwark/authz` finding no principal) names it too.
   * @default 'api'
   */
  realm?: string;
  /**
   * The development issuer, used outside production when no key source is configured.
   * `false` turns it off, so a missing key source fails start-up in every environment.
   * @default { directory: '.bulwark/dev-issuer' }
   */
  devIssuer?: boolean | DevIssuerOptions;
  /**
   * Whether to apply production rules: https for JWKS and discovery, no development issuer.
   * @default NODE_ENV === 'production'
   */
  production?: boolean;
  /**
   * Allows plain-http JWKS and discovery URLs in production, for an identity provider reached
   * in-cluster through a service mesh whose sidecars encrypt the hop (mTLS). Loopback URLs
   * (`127.0.0.0/8`, `::1`, `localhost`) are always allowed and need no flag. When set, the
   * start-up log says so once and the `jwks` readiness check shows it.
   * Environment: `AUTH_ALLOW_HTTP_JWKS=true`.
   * @default false
   */
  allowHttpKeys?: boolean;
  /**
   * DPoP (RFC 9449): proof-of-possession tokens next to, or instead of, bearer tokens.
   * @default { mode: 'allowed', maxAgeSeconds: 60, nonce: false }
   */
  dpop?: DpopOptions;
  /**
   * The clock, in milliseconds since the epoch. Inject one to make expiry, cooldown and cache
   * tests deterministic.
   * @default Date.now
   */
  clock?: () => number;
}

/**
 * A class that makes the options, for `AuthModule.forRootAsync({ useClass })` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class AuthConfig implements AuthOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createAuthOptions() {
 *     return { issuer: this.config.getOrThrow('AUTH_ISSUER'), audience: 'orders-api', discovery: true };
 *   }
 * }
 * ```
 */
export interface AuthOptionsFactory {
  /** Returns the options, possibly after reading configuration. */
  createAuthOptions(): AuthModuleOptions | Promise<AuthModuleOptions>;
}

/**
 * Where a trusted issuer's keys come from, after validation: a remote JWKS (`jwksUri`, or found
 * by discovery), static keys, an HMAC secret, or the development issuer's key folder.
 */
export type KeySourceSpec =
  | { kind: 'remote'; jwksUri: URL | undefined; discovery: boolean }
  | { kind: 'static'; jwks: JSONWebKeySet | undefined; publicKeys: readonly PemPublicKey[] }
  | { kind: 'secret'; secret: Uint8Array }
  | { kind: 'dev'; directory: string };

/**
 * One trusted issuer as {@link ResolvedAuthOptions} holds it: its options with the module-wide
 * `algorithms`, `scopeClaim` and `rolesClaim` applied.
 */
export interface ResolvedIssuer {
  /** The exact `iss`. */
  issuer: string;
  /** The accepted `aud` values. */
  audience: readonly string[];
  /** The JWS algorithm allow-list of this issuer. */
  algorithms: readonly string[];
  /** Where its keys come from. */
  keys: KeySourceSpec;
  /** Claim path of the scopes; `undefined` reads `scope`, then `scp`. */
  scopeClaim: string | undefined;
  /** Claim path of the roles. */
  rolesClaim: string;
}

/** {@link DpopOptions} after validation, with the defaults applied. */
export interface ResolvedDpop {
  /** How the `DPoP` scheme is handled. */
  mode: DpopMode;
  /** Accepted proof algorithms. */
  algorithms: readonly string[];
  /** How old a proof's `iat` may be, in seconds. */
  maxAgeSeconds: number;
  /** The nonce HMAC key, read from `nonceKeyFile` or `nonceKey`; `undefined` with nonces off. */
  nonceKey: Uint8Array | undefined;
  /** How long one nonce step lasts, in seconds. */
  nonceStepSeconds: number;
  /** The Redis replay store's URL or client, when one is set. */
  redis: DpopOptions['redis'];
  /** A replay store of your own, when one is set. */
  replayStore: DpopOptions['replayStore'];
  /** Proofs the memory replay store remembers. */
  replayMaxEntries: number;
  /** Longest wait for the Redis replay store, in milliseconds. */
  replayTimeoutMs: number;
  /** The trusted proxies (`trustProxy`), whose forwarded scheme and host give the `htu`. */
  proxies: ClientAddressResolver;
}

/**
 * {@link AuthModuleOptions} after validation, with the environment and the defaults applied,
 * exactly as the `TokenVerifier` uses them: what `@InjectAuthOptions()` gives. Durations are in
 * milliseconds where the options take seconds (`cooldownMs`, `maxAgeMs`, `maxStaleMs`,
 * `timeoutMs`), and a single top-level issuer is the one entry of `issuers`.
 */
export interface ResolvedAuthOptions {
  /** The DPoP settings. */
  dpop: ResolvedDpop;
  /** Every trusted issuer: the `issuers` option, the top-level issuer, or the development one. */
  issuers: readonly ResolvedIssuer[];
  /** Accepted `typ` values, lower-cased, without the `application/` prefix. */
  tokenTypes: ReadonlySet<string>;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  clockToleranceSeconds: number;
  /** Claims that must be present, `sub` and `exp` included. */
  requiredClaims: readonly string[];
  /** Oldest accepted `iat`, in seconds; `undefined` when not limited. */
  maxTokenAgeSeconds: number | undefined;
  /** Longest accepted token, in characters. */
  maxTokenLength: number;
  /** The verified-token cache. */
  cache: { enabled: boolean; maxEntries: number };
  /** `jwksCooldownSeconds`, in milliseconds. */
  cooldownMs: number;
  /** `jwksMaxAgeSeconds`, in milliseconds. */
  maxAgeMs: number;
  /** `jwksMaxStaleSeconds`, in milliseconds. */
  maxStaleMs: number;
  /** `jwksTimeoutSeconds`, in milliseconds. */
  timeoutMs: number;
  /** The `realm` of `WWW-Authenticate` challenges. */
  realm: string;
  /** Whether production rules apply. */
  production: boolean;
  /** Whether plain-http JWKS and discovery URLs are allowed in production. */
  allowHttpKeys: boolean;
  /** The clock, in milliseconds since the epoch. */
  clock: () => number;
}

import type { Principal } from '@bulwark/core';
import { type JWSHeaderParameters, type JWTVerifyOptions, jwtVerify } from 'jose';
import { invalidProof, invalidToken } from './auth.error.js';
import type {
  AuthModuleOptions,
  ResolvedAuthOptions,
  ResolvedIssuer,
} from './auth-options.interface.js';
import { DpopVerifier } from './dpop-verifier.js';
import { toAuthError } from './internal/jose-errors.js';
import { createKeySource, type KeySource } from './internal/key-sources.js';
import { precheck } from './internal/precheck.js';
import { buildPrincipal } from './internal/principal.factory.js';
import { normalizeType, resolveAuthOptions } from './internal/resolve-options.js';
import { sameText, tokenCacheKey } from './internal/token-digest.js';
import { type TokenBinding, VerifiedTokenCache } from './internal/verified-token.cache.js';

interface TrustedIssuer {
  config: ResolvedIssuer;
  keys: KeySource;
  algorithms: ReadonlySet<string>;
  verifyOptions: JWTVerifyOptions;
}

/** Counters of a {@link TokenVerifier}, for metrics and tests. */
export interface TokenVerifierStats {
  /** Verifications answered from the cache. */
  readonly cacheHits: number;
  /** Verifications that did the full check. */
  readonly cacheMisses: number;
  /** Tokens in the cache now. */
  readonly cacheSize: number;
}

/**
 * How a token was presented, which the sender-constraint checks compare with its `cnf` claim.
 * Leaving it out means a plain `Bearer` token on a connection without a client certificate.
 */
export interface TokenPresentation {
  /** The `Authorization` scheme: `bearer`, or `dpop` with a verified proof. */
  scheme: 'bearer' | 'dpop';
  /** The RFC 7638 thumbprint of the verified DPoP proof's key, with `scheme: 'dpop'`. */
  dpopJkt?: string;
  /**
   * The RFC 8705 `x5t#S256` of the client certificate on this connection (base64url SHA-256 of
   * its DER), or a function giving it, called only for a certificate-bound token.
   */
  certificateThumbprint?: string | (() => string | undefined);
}

const BEARER: TokenPresentation = { scheme: 'bearer' };

/** RFC 7800 `cnf`: only the confirmation methods this verifier enforces are understood. */
function bindingOf(payload: Record<string, unknown>): TokenBinding | undefined {
  const cnf = payload.cnf;
  if (cnf === undefined) return undefined;
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf)) {
    throw invalidToken('invalid_claim');
  }
  const record = cnf as Record<string, unknown>;
  const jkt = record.jkt;
  const x5t = record['x5t#S256'];
  // A confirmation method left unchecked would turn a bound token into a bearer token.
  if (Object.keys(record).some((name) => name !== 'jkt' && name !== 'x5t#S256')) {
    throw invalidToken('invalid_claim');
  }
  if (
    (jkt !== undefined && (typeof jkt !== 'string' || jkt === '')) ||
    (x5t !== undefined && (typeof x5t !== 'string' || x5t === ''))
  ) {
    throw invalidToken('invalid_claim');
  }
  if (jkt === undefined && x5t === undefined) throw invalidToken('invalid_claim');
  return { jkt: jkt as string | undefined, x5t: x5t as string | undefined };
}

/**
 * The sender constraints, checked on every verification, cached or not, so that no option and
 * no cache can let a bound token through without its key or certificate.
 */
function checkBinding(binding: TokenBinding | undefined, presented: TokenPresentation): void {
  if (presented.scheme === 'dpop') {
    // RFC 9449 §7.1: the DPoP scheme is for tokens bound to the proof's key.
    if (binding?.jkt === undefined) throw invalidToken('token_not_dpop_bound');
    const jkt = presented.dpopJkt;
    if (jkt === undefined || !sameText(jkt, binding.jkt)) throw invalidProof('dpop_key_mismatch');
  } else if (binding?.jkt !== undefined) {
    // RFC 9449 §7.1: a DPoP-bound token sent as a bearer token is refused, in every mode.
    throw invalidToken('dpop_bound_token_as_bearer');
  }
  if (binding?.x5t !== undefined) {
    // RFC 8705 §3: the certificate on this connection must be the one the token is bound to.
    const given = presented.certificateThumbprint;
    const thumbprint = typeof given === 'function' ? given() : given;
    if (thumbprint === undefined) throw invalidToken('certificate_missing');
    if (!sameText(thumbprint, binding.x5t)) throw invalidToken('certificate_mismatch');
  }
}

/** Whether the keys of every trusted issuer are usable: loaded, and not stale. */
export interface KeyReadiness {
  ready: boolean;
  detail?: string;
  /** `{ httpKeysAllowed: true }` when `allowHttpKeys` is set, for the readiness body. */
  info?: { httpKeysAllowed: true };
}

/**
 * Verifies bearer access tokens: everything the guard does, without NestJS.
 *
 * Checks, in order: length (before any parsing), compact shape, `alg` on the allow-list,
 * no `jwk`/`jku`/`x5u`/`x5c`, no `crit`, `typ`, a trusted `iss`, then jose's signature and
 * claim checks (`iss` exact, `aud` any-of, `exp` required, `nbf`, clock tolerance, required
 * claims, max age). Verified tokens are cached until `exp`, with time claims re-checked on a hit.
 *
 * Sender constraints are part of verification, on every call, cached or not: a token whose
 * `cnf.jkt` binds it to a DPoP key (RFC 9449) is accepted only with `scheme: 'dpop'` and that
 * key's thumbprint, and a token whose `cnf["x5t#S256"]` binds it to a client certificate
 * (RFC 8705 §3) only with that certificate's thumbprint. Other `cnf` members are refused.
 *
 * @example
 * ```ts
 * const verifier = new TokenVerifier({ issuer, audience: 'orders-api', jwksUri });
 * const principal = await verifier.verify(token); // throws AuthError with a `reason`
 * ```
 */
export class TokenVerifier {
  private readonly options: ResolvedAuthOptions;
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly allAlgorithms: ReadonlySet<string>;
  private readonly cache: VerifiedTokenCache | undefined;
  /** DPoP proof checks (RFC 9449), with their replay store and nonces. */
  readonly dpop: DpopVerifier;
  private cacheHits = 0;
  private cacheMisses = 0;

  /** @internal The options this verifier resolved, for `@InjectAuthOptions()`. */
  get resolvedOptions(): ResolvedAuthOptions {
    return this.options;
  }

  /** @throws BulwarkConfigError naming the option at fault. */
  constructor(options: AuthModuleOptions = {}) {
    this.options = resolveAuthOptions(options);
    const resolved = this.options;
    this.dpop = new DpopVerifier(resolved);
    this.cache = resolved.cache.enabled
      ? new VerifiedTokenCache(resolved.cache.maxEntries)
      : undefined;
    for (const config of resolved.issuers) {
      const keys = createKeySource(config.keys, config.issuer, resolved);
      // A changed key set may have dropped a key: cached tokens it signed must be checked again.
      keys.onChange(() => this.cache?.clear());
      this.issuers.set(config.issuer, {
        config,
        keys,
        algorithms: new Set(config.algorithms),
        verifyOptions: {
          algorithms: [...config.algorithms],
          issuer: config.issuer,
          audience: [...config.audience],
          clockTolerance: resolved.clockToleranceSeconds,
          requiredClaims: [...resolved.requiredClaims],
          ...(resolved.maxTokenAgeSeconds === undefined
            ? {}
            : { maxTokenAge: resolved.maxTokenAgeSeconds }),
        },
      });
    }
    this.allAlgorithms = new Set(resolved.issuers.flatMap((entry) => entry.algorithms));
  }

  /** The `realm` of `WWW-Authenticate` challenges. */
  get realm(): string {
    return this.options.realm;
  }

  /** The longest accepted token. */
  get maxTokenLength(): number {
    return this.options.maxTokenLength;
  }

  /** The trusted issuers, in configuration order. */
  get trustedIssuers(): readonly string[] {
    return [...this.issuers.keys()];
  }

  /** Whether plain-http JWKS and discovery URLs are allowed in production (`allowHttpKeys`). */
  get allowsHttpKeys(): boolean {
    return this.options.allowHttpKeys;
  }

  /** Cache counters. */
  get stats(): TokenVerifierStats {
    return {
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      cacheSize: this.cache?.size ?? 0,
    };
  }

  /** Loads every issuer's keys now, instead of on the first request. Never throws. */
  async warmUp(): Promise<void> {
    await Promise.all([...this.issuers.values()].map((entry) => entry.keys.warmUp()));
  }

  /**
   * Ready once every issuer's keys have loaded, as long as none is older than
   * `jwksMaxStaleSeconds`: a failed refresh keeps readiness until then.
   */
  readiness(): KeyReadiness {
    const now = this.options.clock();
    const info = this.options.allowHttpKeys ? { info: { httpKeysAllowed: true as const } } : {};
    const problems = [...this.issuers.values()].flatMap((entry) => {
      const problem = entry.keys.problem(now);
      return problem === undefined ? [] : [`${entry.config.issuer}: ${problem}`];
    });
    if (problems.length === 0) return { ready: true, ...info };
    return { ready: false, detail: problems.join('; '), ...info };
  }

  /** Stops the scheduled key refreshes; `AuthModule` calls it when the application closes. */
  close(): void {
    for (const entry of this.issuers.values()) entry.keys.close();
    void this.dpop.close();
  }

  /**
   * Verifies a token and returns its principal.
   *
   * @param presented how the token came: by default a `Bearer` token without a client
   * certificate, so a sender-constrained token is refused.
   * @throws AuthError `AUTH_INVALID_TOKEN` with a specific `reason`, `AUTH_INVALID_DPOP_PROOF`
   * (`dpop_key_mismatch`) when the proof key is not the one the token is bound to, or
   * `AUTH_KEYS_UNAVAILABLE` when no key has ever loaded for the token's issuer.
   */
  async verify(token: string, presented: TokenPresentation = BEARER): Promise<Principal> {
    const cacheKey = this.cacheKeyOf(token);
    return (
      this.cachedPrincipal(cacheKey, presented) ?? this.verifyFully(token, cacheKey, presented)
    );
  }

  /**
   * The principal of a token verified earlier whose time claims still hold, answered
   * synchronously; `undefined` when the token must go through {@link verify} (not cached, the
   * cache is off, or a time claim no longer holds).
   *
   * @throws AuthError `AUTH_INVALID_TOKEN` (`token_too_long`) for a token over the length limit,
   * or the sender-constraint refusals of {@link verify} for a cached token.
   * @example
   * ```ts
   * const principal = verifier.verifyCached(token) ?? (await verifier.verify(token));
   * ```
   */
  verifyCached(token: string, presented: TokenPresentation = BEARER): Principal | undefined {
    return this.cachedPrincipal(this.cacheKeyOf(token), presented);
  }

  /** Checks the length; the token's cache key, or `''` when the cache is off. */
  private cacheKeyOf(token: string): string {
    if (typeof token !== 'string' || token.length > this.options.maxTokenLength) {
      throw invalidToken('token_too_long');
    }
    // The digest a DPoP proof's `ath` was just compared with: hashed once for both.
    return this.cache ? tokenCacheKey(token) : '';
  }

  private cachedPrincipal(cacheKey: string, presented: TokenPresentation): Principal | undefined {
    const cached = this.cache?.get(cacheKey);
    if (!cached) return undefined;
    const nowMs = this.options.clock();
    const now = nowMs / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    const maxAge = this.options.maxTokenAgeSeconds;
    if (
      // Stale keys stop vouching for tokens they verified earlier, too.
      nowMs < cached.keys.usableUntil &&
      now < cached.exp &&
      (cached.nbf === undefined || cached.nbf <= now + tolerance) &&
      (maxAge === undefined || (cached.iat ?? 0) + maxAge >= now - tolerance)
    ) {
      this.cacheHits += 1;
      checkBinding(cached.binding, presented);
      return cached.principal;
    }
    // A time claim no longer holds: drop the entry and let the full check say why.
    this.cache?.delete(cacheKey);
    return undefined;
  }

  private async verifyFully(
    token: string,
    cacheKey: string,
    presented: TokenPresentation,
  ): Promise<Principal> {
    const now = this.options.clock() / 1000;
    if (this.cache) this.cacheMisses += 1;
    const { header, claims } = precheck(
      token,
      this.allAlgorithms,
      this.options.tokenTypes,
      normalizeType,
    );
    const trusted = typeof claims.iss === 'string' ? this.issuers.get(claims.iss) : undefined;
    // Routing by the unverified `iss` is safe: jose checks `iss` again after the signature,
    // and an untrusted issuer never causes a key fetch.
    if (!trusted) throw invalidToken('issuer_not_trusted');
    if (!trusted.algorithms.has(header.alg as string)) throw invalidToken('algorithm_not_allowed');
    let keyVersion = -1;
    const getKey = async (protectedHeader: JWSHeaderParameters) => {
      const key = await trusted.keys.getKey(protectedHeader);
      keyVersion = trusted.keys.version;
      return key;
    };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        ...trusted.verifyOptions,
        currentDate: new Date(now * 1000),
      }));
    } catch (error) {
      throw toAuthError(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidToken('invalid_claim');
    if (typeof payload.exp !== 'number') throw invalidToken('invalid_claim');
    const binding = bindingOf(payload);
    const principal = buildPrincipal(payload, trusted.config.scopeClaim, trusted.config.rolesClaim);
    // Only cache when the key set did not change (and flush) after the key was taken, and only
    // before `exp`.
    if (this.cache && trusted.keys.version === keyVersion && now < payload.exp) {
      this.cache.set(cacheKey, {
        principal,
        keys: trusted.keys,
        exp: payload.exp,
        nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined,
        iat: typeof payload.iat === 'number' ? payload.iat : undefined,
        binding,
      });
    }
    checkBinding(binding, presented);
    return principal;
  }
}

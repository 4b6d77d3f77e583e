import { hash } from 'node:crypto';
import type { Principal } from '@bulwark/core';
import { type JWSHeaderParameters, type JWTVerifyOptions, jwtVerify } from 'jose';
import { invalidToken } from './auth.error.js';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { toAuthError } from './internal/jose-errors.js';
import { createKeySource, type KeySource } from './internal/key-sources.js';
import { precheck } from './internal/precheck.js';
import { buildPrincipal } from './internal/principal.factory.js';
import {
  normalizeType,
  type ResolvedAuthOptions,
  type ResolvedIssuer,
  resolveAuthOptions,
} from './internal/resolve-options.js';
import { VerifiedTokenCache } from './internal/verified-token.cache.js';

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
  private cacheHits = 0;
  private cacheMisses = 0;

  /** @throws BulwarkConfigError naming the option at fault. */
  constructor(options: AuthModuleOptions = {}) {
    this.options = resolveAuthOptions(options);
    const resolved = this.options;
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
  }

  /**
   * Verifies a token and returns its principal.
   *
   * @throws AuthError `AUTH_INVALID_TOKEN` with a specific `reason`, or `AUTH_KEYS_UNAVAILABLE`
   * when no key has ever loaded for the token's issuer.
   */
  async verify(token: string): Promise<Principal> {
    const cacheKey = this.cacheKeyOf(token);
    return this.cachedPrincipal(cacheKey) ?? this.verifyFully(token, cacheKey);
  }

  /**
   * The principal of a token verified earlier whose time claims still hold, answered
   * synchronously; `undefined` when the token must go through {@link verify} (not cached, the
   * cache is off, or a time claim no longer holds).
   *
   * @throws AuthError `AUTH_INVALID_TOKEN` (`token_too_long`) for a token over the length limit.
   * @example
   * ```ts
   * const principal = verifier.verifyCached(token) ?? (await verifier.verify(token));
   * ```
   */
  verifyCached(token: string): Principal | undefined {
    return this.cachedPrincipal(this.cacheKeyOf(token));
  }

  /** Checks the length; the token's cache key, or `''` when the cache is off. */
  private cacheKeyOf(token: string): string {
    if (typeof token !== 'string' || token.length > this.options.maxTokenLength) {
      throw invalidToken('token_too_long');
    }
    return this.cache ? hash('sha256', token, 'binary') : '';
  }

  private cachedPrincipal(cacheKey: string): Principal | undefined {
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
      return cached.principal;
    }
    // A time claim no longer holds: drop the entry and let the full check say why.
    this.cache?.delete(cacheKey);
    return undefined;
  }

  private async verifyFully(token: string, cacheKey: string): Promise<Principal> {
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
      });
    }
    return principal;
  }
}

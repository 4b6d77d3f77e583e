import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  exportJWK,
  importSPKI,
  importX509,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';
import { AuthError } from '../auth.error.js';
import { loadDevIssuerKey } from './dev-issuer-key.js';
import type { KeySourceSpec, ResolvedAuthOptions } from './resolve-options.js';

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** Where the verifier gets the key for a token header. */
export interface KeySource {
  /** Bumped whenever the key set changes; the verified-token cache is flushed on a bump. */
  readonly version: number;
  /** Whether keys have ever loaded. */
  readonly loaded: boolean;
  /** Why the last load failed, for readiness details and logs. */
  readonly lastError: string | undefined;
  getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array>;
  /** Loads keys ahead of the first request; never throws. */
  warmUp(): Promise<void>;
  onChange(listener: () => void): void;
}

const MAX_JWKS_BYTES = 512 * 1024;

function keysUnavailable(detail: string): AuthError {
  return new AuthError('AUTH_KEYS_UNAVAILABLE', 'keys_unavailable', `no keys: ${detail}`);
}

/** Only public signing keys: a symmetric `oct` member of a JWKS is never trusted. */
function publicSigningKeys(keys: readonly JWK[]): JWK[] {
  return keys.filter((key) => key && typeof key === 'object' && key.kty !== 'oct');
}

abstract class BaseKeySource implements KeySource {
  version = 0;
  loaded = false;
  lastError: string | undefined;
  protected local: LocalSet | undefined;
  private readonly listeners: Array<() => void> = [];

  abstract getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array>;
  abstract warmUp(): Promise<void>;

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  protected install(keys: JWK[]): void {
    const replacing = this.local !== undefined;
    this.local = createLocalJWKSet({ keys });
    this.loaded = true;
    this.lastError = undefined;
    // The first load changes nothing: no token of this issuer can have been verified before it.
    if (!replacing) return;
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** Keys known at start: a static JWKS, PEM keys, or the development issuer's key. */
class StaticKeySource extends BaseKeySource {
  private pending: Promise<void> | undefined;

  constructor(private readonly load: () => Promise<JWK[]>) {
    super();
  }

  warmUp(): Promise<void> {
    this.pending ??= this.load().then(
      (keys) => this.install(publicSigningKeys(keys)),
      (error: unknown) => {
        this.pending = undefined;
        this.lastError = error instanceof Error ? error.message : String(error);
        throw error;
      },
    );
    return this.pending.catch(() => undefined);
  }

  async getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array> {
    if (!this.local) await this.warmUp();
    if (!this.local) throw keysUnavailable(this.lastError ?? 'static keys did not load');
    return this.local(header);
  }
}

/** An HMAC secret (HS* only; the allow-list already refused every other `alg`). */
class SecretKeySource extends BaseKeySource {
  constructor(private readonly secret: Uint8Array) {
    super();
    this.loaded = true;
    this.version = 1;
  }
  warmUp(): Promise<void> {
    return Promise.resolve();
  }
  getKey(): Promise<Uint8Array> {
    return Promise.resolve(this.secret);
  }
}

/**
 * A remote JWKS, optionally found through OpenID discovery.
 *
 * jose's `createRemoteJWKSet` fails verification when a refresh fails after the cache max-age;
 * the issue requires fetched keys to keep working through an IdP outage, so this class owns the
 * fetch (timeout, cooldown, max-age, all on the injected clock) and lets jose's local set pick and
 * import the keys.
 */
class RemoteKeySource extends BaseKeySource {
  private jwksUri: URL | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private fingerprint = '';

  constructor(
    jwksUri: URL | undefined,
    private readonly issuer: string,
    private readonly options: ResolvedAuthOptions,
  ) {
    super();
    this.jwksUri = jwksUri;
  }

  warmUp(): Promise<void> {
    return this.refresh().catch(() => undefined);
  }

  async getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array> {
    if (!this.local) {
      await this.refresh().catch(() => undefined);
      if (!this.local) throw keysUnavailable(this.lastError ?? 'the JWKS has not loaded yet');
    } else if (this.options.clock() - this.fetchedAt >= this.options.maxAgeMs) {
      // Stale keys keep serving while a background refresh runs (and may fail).
      void this.refresh().catch(() => undefined);
    }
    try {
      return await this.local(header);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // An unknown kid may mean rotation: refetch, at most once per cooldown, so a flood of
      // made-up kids cannot turn into a flood of fetches.
      if (this.inflight) await this.inflight.catch(() => undefined);
      else if (this.mayFetch()) await this.refresh().catch(() => undefined);
      else throw error;
      return this.local(header);
    }
  }

  private mayFetch(): boolean {
    return this.options.clock() - this.attemptedAt >= this.options.cooldownMs;
  }

  /** Fetches the key set unless a fetch is running or one was attempted within the cooldown. */
  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (!this.mayFetch()) return Promise.reject(keysUnavailable('JWKS cooldown'));
    this.attemptedAt = this.options.clock();
    this.inflight = this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    try {
      this.jwksUri ??= await this.discover();
      const body = (await this.fetchJson(this.jwksUri)) as JSONWebKeySet;
      if (!body || !Array.isArray(body.keys)) throw new Error('the JWKS has no "keys" array');
      const keys = publicSigningKeys(body.keys);
      const fingerprint = JSON.stringify(keys);
      this.fetchedAt = this.options.clock();
      if (fingerprint !== this.fingerprint || !this.local) {
        this.fingerprint = fingerprint;
        this.install(keys);
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  private async discover(): Promise<URL> {
    const url = new URL(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    const document = (await this.fetchJson(url)) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document must name exactly this issuer.
    if (document?.issuer !== this.issuer) throw new Error('discovery issuer mismatch');
    if (typeof document.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    const jwksUri = new URL(document.jwks_uri);
    if (
      jwksUri.protocol !== 'https:' &&
      (this.options.production || jwksUri.protocol !== 'http:')
    ) {
      throw new Error('discovery jwks_uri must use https');
    }
    return jwksUri;
  }

  private async fetchJson(url: URL): Promise<unknown> {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${url.pathname} answered ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_JWKS_BYTES) {
      await response.body?.cancel();
      throw new Error(`${url.pathname} is larger than ${MAX_JWKS_BYTES} bytes`);
    }
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`${url.pathname} is too large`);
    return JSON.parse(text);
  }
}

async function pemToJwk(pem: string, alg: string, kid: string | undefined): Promise<JWK> {
  const key = pem.includes('BEGIN CERTIFICATE')
    ? await importX509(pem, alg, { extractable: true })
    : await importSPKI(pem, alg, { extractable: true });
  const jwk = await exportJWK(key);
  return { ...jwk, alg, use: 'sig', ...(kid === undefined ? {} : { kid }) };
}

/** Builds the key source for one issuer. */
export function createKeySource(
  spec: KeySourceSpec,
  issuer: string,
  options: ResolvedAuthOptions,
): KeySource {
  switch (spec.kind) {
    case 'remote':
      return new RemoteKeySource(spec.jwksUri, issuer, options);
    case 'secret':
      return new SecretKeySource(spec.secret);
    case 'static':
      return new StaticKeySource(async () => [
        ...(spec.jwks?.keys ?? []),
        ...(await Promise.all(spec.publicKeys.map((key) => pemToJwk(key.pem, key.alg, key.kid)))),
      ]);
    case 'dev':
      return new StaticKeySource(async () => [(await loadDevIssuerKey(spec.directory)).publicJwk]);
    default: {
      const unknown: never = spec;
      throw new TypeError(`unknown key source ${JSON.stringify(unknown)}`);
    }
  }
}

import { publishSecurityEvent } from '@bulwark/core/events';
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
import { AuthError, invalidToken } from '../auth.error.js';
import type { KeySourceSpec, ResolvedAuthOptions } from '../auth-options.interface.js';
import { FetchStatusError, fetchJsonBounded, MAX_KEY_DOCUMENT_BYTES } from './bounded-fetch.js';
import { loadDevIssuerKey } from './dev-issuer-key.js';
import { keyUrlProblem } from './key-url.js';

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** Where the verifier gets the key for a token header. */
export interface KeySource {
  /** Bumped whenever the key set changes; the verified-token cache is flushed on a bump. */
  readonly version: number;
  /** Whether keys have ever loaded. */
  readonly loaded: boolean;
  /** Why the last load failed, for readiness details and logs. */
  readonly lastError: string | undefined;
  /** Until when (on the options' clock, in ms) the keys may be used; `-Infinity` before a load. */
  readonly usableUntil: number;
  getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array>;
  /** Loads keys ahead of the first request; never throws. */
  warmUp(): Promise<void>;
  /** Why the keys cannot be used now, or `undefined` when they can. */
  problem(now: number): string | undefined;
  onChange(listener: () => void): void;
  /** Stops scheduled refreshes. */
  close(): void;
}

function keysUnavailable(detail: string): AuthError {
  return new AuthError('AUTH_KEYS_UNAVAILABLE', 'keys_unavailable', `no keys: ${detail}`);
}

/** Only public signing keys: a symmetric `oct` member of a JWKS is never trusted. */
function publicSigningKeys(keys: readonly JWK[]): JWK[] {
  return keys.filter((key) => key && typeof key === 'object' && key.kty !== 'oct');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

abstract class BaseKeySource implements KeySource {
  version = 0;
  loaded = false;
  lastError: string | undefined;
  protected local: LocalSet | undefined;
  private readonly listeners: Array<() => void> = [];

  abstract getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array>;
  abstract warmUp(): Promise<void>;

  get usableUntil(): number {
    return this.loaded ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  problem(_now: number): string | undefined {
    return this.loaded ? undefined : (this.lastError ?? 'loading');
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  close(): void {}

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
        this.lastError = messageOf(error);
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

/** Longest wait between two retries of a failed JWKS or discovery fetch. */
const MAX_RETRY_DELAY_MS = 300_000;

/**
 * A remote JWKS, optionally found through OpenID discovery.
 *
 * jose's `createRemoteJWKSet` fails verification when a refresh fails after the cache max-age;
 * fetched keys must keep working through a short IdP outage, so this class owns the fetch
 * (timeout, cooldown, max-age, byte limit) and lets jose's local set pick and import the keys.
 *
 * Refreshes run on a timer every `jwksMaxAgeSeconds`, whether or not tokens reach the key set
 * (cached tokens never do), and a failed fetch is retried with exponential backoff. Keys whose
 * last successful fetch is older than `jwksMaxStaleSeconds` stop being used: a key the IdP
 * withdrew must not stay trusted because an attacker keeps the refresh failing.
 */
class RemoteKeySource extends BaseKeySource {
  private jwksUri: URL | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private fingerprint = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private closed = false;
  private staleReported = false;

  constructor(
    jwksUri: URL | undefined,
    private readonly issuer: string,
    private readonly options: ResolvedAuthOptions,
  ) {
    super();
    this.jwksUri = jwksUri;
  }

  override get usableUntil(): number {
    return this.local ? this.fetchedAt + this.options.maxStaleMs : Number.NEGATIVE_INFINITY;
  }

  override problem(now: number): string | undefined {
    if (!this.local) return this.lastError ?? 'loading';
    if (now < this.usableUntil) return undefined;
    return (
      `the key set is stale: last fetched ${Math.round((now - this.fetchedAt) / 1000)} s ago, ` +
      `more than jwksMaxStaleSeconds (AUTH_JWKS_MAX_STALE_SECONDS) ` +
      `${this.options.maxStaleMs / 1000} s; last error: ${this.lastError ?? 'none'}`
    );
  }

  warmUp(): Promise<void> {
    return this.refresh(true).catch(() => undefined);
  }

  override close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async getKey(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array> {
    if (!this.local) {
      await this.refresh().catch(() => undefined);
      if (!this.local) throw keysUnavailable(this.lastError ?? 'the JWKS has not loaded yet');
    }
    const age = this.options.clock() - this.fetchedAt;
    if (age >= this.options.maxStaleMs) {
      // One more try before refusing, within the cooldown like any other fetch.
      if (this.inflight || this.mayFetch()) await this.refresh().catch(() => undefined);
      if (this.options.clock() >= this.usableUntil) {
        this.reportStale();
        throw invalidToken('keys_stale');
      }
    } else if (age >= this.options.maxAgeMs) {
      // Keys not yet stale keep serving while a background refresh runs (and may fail).
      void this.refresh().catch(() => undefined);
    }
    const local = this.local as LocalSet;
    try {
      return await local(header);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // An unknown kid may mean rotation: refetch, at most once per cooldown, so a flood of
      // made-up kids cannot turn into a flood of fetches.
      if (this.inflight) await this.inflight.catch(() => undefined);
      else if (this.mayFetch()) await this.refresh().catch(() => undefined);
      else throw error;
      return (this.local as LocalSet)(header);
    }
  }

  private mayFetch(): boolean {
    return this.options.clock() - this.attemptedAt >= this.options.cooldownMs;
  }

  /**
   * Fetches the key set unless a fetch is running or, for a fetch a token asked for, one was
   * attempted within the cooldown. Scheduled fetches keep their own pace.
   */
  private refresh(scheduled = false): Promise<void> {
    if (this.inflight) return this.inflight;
    if (!scheduled && !this.mayFetch()) return Promise.reject(keysUnavailable('JWKS cooldown'));
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
      this.failures = 0;
      this.staleReported = false;
      if (fingerprint !== this.fingerprint || !this.local) {
        this.fingerprint = fingerprint;
        this.install(keys);
      }
      this.lastError = undefined;
      this.schedule(this.options.maxAgeMs);
    } catch (error) {
      this.lastError = messageOf(error);
      this.failures += 1;
      this.schedule(this.retryDelay());
      if (this.local && this.options.clock() >= this.usableUntil) this.reportStale();
      throw error;
    }
  }

  /**
   * Exponential backoff: from 1 s while no key has loaded yet (start-up, discovery included),
   * so the service becomes ready soon after the IdP does; from the cooldown once keys exist.
   * Capped at the max-age and at 5 minutes.
   */
  private retryDelay(): number {
    const base = this.local ? Math.max(this.options.cooldownMs, 1000) : 1000;
    const cap = Math.max(base, Math.min(this.options.maxAgeMs, MAX_RETRY_DELAY_MS));
    return Math.min(base * 2 ** Math.min(this.failures - 1, 20), cap);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh(true).catch(() => undefined);
    }, delayMs);
    // A pending refresh must not keep the process alive.
    this.timer.unref();
  }

  /** One security event (and so one metric increment) per stale episode, even without traffic. */
  private reportStale(): void {
    if (this.staleReported) return;
    this.staleReported = true;
    publishSecurityEvent({
      kind: 'authentication.failed',
      reason: 'keys_stale',
      details: {
        issuer: this.issuer,
        ageSeconds: Math.round((this.options.clock() - this.fetchedAt) / 1000),
        maxStaleSeconds: this.options.maxStaleMs / 1000,
      },
    });
  }

  /**
   * Finds `jwks_uri`: OpenID Connect Discovery 1.0 §4 first, then RFC 8414 §3's
   * `oauth-authorization-server` document when the first is not there.
   */
  private async discover(): Promise<URL> {
    const issuer = new URL(this.issuer);
    const candidates = [
      new URL(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`),
      // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
      new URL(
        `/.well-known/oauth-authorization-server${issuer.pathname.replace(/\/$/, '')}`,
        issuer.origin,
      ),
    ];
    const misses: string[] = [];
    type Metadata = { issuer?: unknown; jwks_uri?: unknown } | null;
    let found: { url: URL; document: Metadata } | undefined;
    for (const url of candidates) {
      try {
        found = { url, document: (await this.fetchJson(url)) as Metadata };
        break;
      } catch (error) {
        if (!(error instanceof FetchStatusError)) throw new Error(`discovery: ${messageOf(error)}`);
        misses.push(error.message);
      }
    }
    if (!found) throw new Error(`discovery: ${misses.join('; ')}`);
    const { url, document } = found;
    // OpenID Connect Discovery 1.0 §4.3 and RFC 8414 §3.3: the document must name exactly
    // this issuer, or an attacker's metadata could stand in for it.
    if (document?.issuer !== this.issuer) {
      const named = JSON.stringify(document?.issuer ?? null).slice(0, 200);
      throw new Error(
        `discovery: ${url.href} names the issuer ${named}, not ${JSON.stringify(this.issuer)}; ` +
          'AUTH_ISSUER (option issuer) must equal it exactly',
      );
    }
    if (typeof document?.jwks_uri !== 'string') {
      throw new Error(`discovery: ${url.href} has no jwks_uri`);
    }
    let jwksUri: URL;
    try {
      jwksUri = new URL(document.jwks_uri);
    } catch {
      throw new Error(`discovery: ${url.href} has a jwks_uri that is not an absolute URL`);
    }
    const problem = keyUrlProblem(jwksUri, this.options);
    if (problem) throw new Error(`discovery: the jwks_uri of ${url.href} ${problem}`);
    return jwksUri;
  }

  private fetchJson(url: URL): Promise<unknown> {
    const problem = keyUrlProblem(url, this.options);
    if (problem) return Promise.reject(new Error(`${url.href} ${problem}`));
    return fetchJsonBounded(url, {
      timeoutMs: this.options.timeoutMs,
      maxBytes: MAX_KEY_DOCUMENT_BYTES,
    });
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

import { createHash, createPrivateKey, type JsonWebKey, webcrypto } from 'node:crypto';
import { publishSecurityEvent } from '@bulwark/core/events';
import * as oauth from 'oauth4webapi';
import { type Dispatcher, fetch as undiciFetch } from 'undici';
import { ServiceCallError } from '../client.error.js';
import { notify } from './call-registry.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Lifetime assumed when the token endpoint gives no `expires_in`. */
const DEFAULT_LIFETIME_S = 60;
const EXCHANGE_CACHE_MAX = 1000;
const GRANT_MEMO_MAX = 100;

/** How the client authenticates to the token endpoint. */
export type ClientCredential =
  | { kind: 'privateKeyJwt'; key: oauth.PrivateKey }
  | { kind: 'secret'; secret: string };

/** The resolved settings of a token source. */
export interface TokenSourceSettings {
  target: string;
  tokenUrl: URL | undefined;
  issuer: URL | undefined;
  clientId: string;
  credential: ClientCredential;
  scope: string | undefined;
  resource: string | undefined;
  audience: string | undefined;
  dispatcher: () => Dispatcher;
  /** The DPoP key's handle, when tokens are DPoP-bound. */
  dpop: oauth.DPoPHandle | undefined;
  /** Its JWK thumbprint (RFC 7638), part of every cache key. */
  dpopThumbprint: string | undefined;
  timeoutMs: number;
  now: () => number;
  random: () => number;
}

interface ClientGrant {
  key: string;
  request: (as: oauth.AuthorizationServer) => Promise<oauth.TokenEndpointResponse>;
}

interface CachedToken {
  token: string;
  refreshAt: number;
  expiresAt: number;
}

/** Loads a private key file (PKCS #8 PEM or a private JWK) as a signing CryptoKey. */
export async function loadPrivateKey(text: string, keyId?: string): Promise<oauth.PrivateKey> {
  let jwk: JsonWebKey & { kid?: string };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    jwk = JSON.parse(trimmed) as JsonWebKey & { kid?: string };
  } else {
    jwk = createPrivateKey(trimmed).export({ format: 'jwk' });
  }
  if (jwk.d === undefined) throw new TypeError('the key is not a private key');
  const algorithm = webCryptoAlgorithm(jwk);
  const key = await webcrypto.subtle.importKey(
    'jwk',
    jwk as webcrypto.JsonWebKey,
    algorithm,
    false,
    ['sign'],
  );
  const kid = keyId ?? jwk.kid;
  return kid === undefined ? { key: key as oauth.CryptoKey } : { key: key as oauth.CryptoKey, kid };
}

function webCryptoAlgorithm(
  jwk: JsonWebKey,
): webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384')) {
    return { name: 'ECDSA', namedCurve: jwk.crv };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { name: 'Ed25519' };
  if (jwk.kty === 'RSA') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new TypeError('the key must be EC P-256/P-384, Ed25519 or RSA');
}

/**
 * Obtains, caches and refreshes the client's own tokens (client credentials), and exchanges
 * incoming tokens (RFC 8693), through oauth4webapi. Tokens are cached under every grant
 * parameter, refreshed at 80 % of their lifetime (minus up to 5 % jitter), and fetched once
 * under concurrency.
 */
export class TokenSource {
  private server: Promise<oauth.AuthorizationServer> | undefined;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly grants = new Map<string | undefined, ClientGrant>();
  private readonly client: oauth.Client;
  private readonly auth: oauth.ClientAuth;
  /** The DPoP key's handle, when tokens are DPoP-bound. */
  get dpopHandle(): oauth.DPoPHandle | undefined {
    return this.settings.dpop;
  }

  /** Token requests sent, for metrics and tests. */
  fetches = 0;

  constructor(private readonly settings: TokenSourceSettings) {
    this.client = { client_id: settings.clientId };
    this.auth =
      settings.credential.kind === 'privateKeyJwt'
        ? oauth.PrivateKeyJwt(settings.credential.key)
        : oauth.ClientSecretBasic(settings.credential.secret);
  }

  /** The client's own token for a scope (the configured one by default). */
  async clientToken(scope = this.settings.scope): Promise<string> {
    const grant = this.clientGrant(scope);
    return this.cached(grant.key, grant.request);
  }

  /**
   * The client's own token for a scope when one is cached and still valid, without waiting;
   * a token due for its early refresh is returned and refreshed in the background, once.
   */
  cachedClientToken(scope = this.settings.scope): string | undefined {
    const grant = this.clientGrant(scope);
    const entry = this.cache.get(grant.key);
    if (entry === undefined) return undefined;
    const now = this.settings.now();
    if (now >= entry.expiresAt) return undefined;
    if (now >= entry.refreshAt) {
      this.singleFlight(grant.key, grant.request, true).catch(() => undefined);
    }
    return entry.token;
  }

  /**
   * The cache key and request of the client-credentials grant for a scope, made once per scope:
   * a cached token is then one map lookup, with no key built per call.
   */
  private clientGrant(scope: string | undefined): ClientGrant {
    const memo = this.grants.get(scope);
    if (memo !== undefined) return memo;
    const parameters: Record<string, string> = {};
    if (scope) parameters.scope = scope;
    if (this.settings.resource) parameters.resource = this.settings.resource;
    if (this.settings.audience && !this.settings.resource) {
      parameters.audience = this.settings.audience;
    }
    const key = JSON.stringify([
      'client_credentials',
      this.settings.clientId,
      parameters,
      this.settings.dpopThumbprint ?? '',
    ]);
    const grant: ClientGrant = {
      key,
      request: (as) =>
        oauth
          .clientCredentialsGrantRequest(
            as,
            this.client,
            this.auth,
            parameters,
            this.requestOptions(),
          )
          .then((response) => oauth.processClientCredentialsResponse(as, this.client, response)),
    };
    // Scopes come from code, not from callers' input; still, the memo stays bounded.
    if (this.grants.size >= GRANT_MEMO_MAX) this.grants.clear();
    this.grants.set(scope, grant);
    return grant;
  }

  /** A token for this client's audience, acting for the holder of `subjectToken`. */
  async exchangedToken(subjectToken: string, scope = this.settings.scope): Promise<string> {
    const parameters: Record<string, string> = {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
    };
    if (scope) parameters.scope = scope;
    if (this.settings.audience) parameters.audience = this.settings.audience;
    if (this.settings.resource) parameters.resource = this.settings.resource;
    const hash = createHash('sha256').update(subjectToken).digest('base64url');
    const key = JSON.stringify([
      TOKEN_EXCHANGE,
      this.settings.clientId,
      hash,
      scope ?? '',
      this.settings.dpopThumbprint ?? '',
    ]);
    if (this.cache.size >= EXCHANGE_CACHE_MAX) this.evictExpired();
    return this.cached(
      key,
      (as) =>
        oauth
          .genericTokenEndpointRequest(
            as,
            this.client,
            this.auth,
            TOKEN_EXCHANGE,
            parameters,
            this.requestOptions(),
          )
          .then((response) => oauth.processGenericTokenEndpointResponse(as, this.client, response)),
      // An exchanged token is cached until it expires, never refreshed early: the incoming
      // token may expire first, and a new exchange needs it again.
      false,
    );
  }

  /** Drops a cached token the downstream refused as `invalid_token`. */
  invalidate(token: string): void {
    for (const [key, entry] of this.cache) if (entry.token === token) this.cache.delete(key);
  }

  private async cached(
    key: string,
    request: (as: oauth.AuthorizationServer) => Promise<oauth.TokenEndpointResponse>,
    refreshEarly = true,
  ): Promise<string> {
    const now = this.settings.now();
    const entry = this.cache.get(key);
    if (entry && now < entry.expiresAt) {
      if (refreshEarly && now >= entry.refreshAt) {
        // Still valid: answer with it and refresh in the background, once.
        this.singleFlight(key, request, refreshEarly).catch(() => undefined);
      }
      return entry.token;
    }
    return (await this.singleFlight(key, request, refreshEarly)).token;
  }

  private singleFlight(
    key: string,
    request: (as: oauth.AuthorizationServer) => Promise<oauth.TokenEndpointResponse>,
    refreshEarly: boolean,
  ): Promise<CachedToken> {
    const running = this.inflight.get(key);
    if (running) return running;
    const grant = key.includes(TOKEN_EXCHANGE) ? 'token_exchange' : 'client_credentials';
    const started = this.settings.now();
    const promise = this.authorizationServer()
      .then(async (as) => {
        this.countFetch(grant);
        try {
          return await request(as);
        } catch (error) {
          // RFC 9449 §8: the server's nonce is now cached by the DPoP handle; one more try,
          // with a new proof and a new client assertion.
          if (!oauth.isDPoPNonceError(error)) throw error;
          this.countFetch(grant);
          return request(as);
        }
      })
      .then((response) => {
        if (this.settings.dpop && response.token_type !== 'dpop') {
          throw new TypeError(`a DPoP-bound token was asked for, ${response.token_type} came`);
        }
        const lifetimeMs =
          (typeof response.expires_in === 'number' && response.expires_in > 0
            ? response.expires_in
            : DEFAULT_LIFETIME_S) * 1000;
        const jitter = lifetimeMs * 0.05 * this.settings.random();
        const entry: CachedToken = {
          token: response.access_token,
          expiresAt: started + lifetimeMs,
          refreshAt: refreshEarly ? started + lifetimeMs * 0.8 - jitter : started + lifetimeMs,
        };
        this.cache.set(key, entry);
        return entry;
      })
      .catch(async (error: unknown) => {
        throw this.tokenFailure(error, await challengedError(error));
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private countFetch(grant: string): void {
    this.fetches += 1;
    notify((listener) => listener.tokenFetch(this.settings.target, grant));
  }

  private evictExpired(): void {
    const now = this.settings.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
    // Still full of live tokens: drop the oldest, Map keeps insertion order.
    while (this.cache.size >= EXCHANGE_CACHE_MAX) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private requestOptions(): oauth.TokenEndpointRequestOptions & oauth.DiscoveryRequestOptions {
    const dispatcher = this.settings.dispatcher;
    const timeoutMs = this.settings.timeoutMs;
    return {
      ...(this.settings.dpop ? { DPoP: this.settings.dpop } : {}),
      signal: () => AbortSignal.timeout(timeoutMs),
      [oauth.allowInsecureRequests]: this.insecureAllowed(),
      [oauth.customFetch]: (url, options) =>
        undiciFetch(url, {
          ...(options as object),
          dispatcher: dispatcher(),
          redirect: 'manual',
        }) as unknown as Promise<Response>,
    };
  }

  /** Plain http is accepted for an authorization server on loopback only (tests, sidecars). */
  private insecureAllowed(): boolean {
    const url = this.settings.tokenUrl ?? this.settings.issuer;
    return url !== undefined && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  }

  private authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (this.server) return this.server;
    const { tokenUrl, issuer } = this.settings;
    if (tokenUrl) {
      // RFC 7523 §3: the assertion's audience may be the token endpoint itself.
      this.server = Promise.resolve({
        issuer: (issuer ?? tokenUrl).href,
        token_endpoint: tokenUrl.href,
      });
      return this.server;
    }
    const discovered = this.discover(issuer as URL);
    this.server = discovered;
    // A failed discovery is tried again on the next call.
    discovered.catch(() => {
      if (this.server === discovered) this.server = undefined;
    });
    return discovered;
  }

  private async discover(issuer: URL): Promise<oauth.AuthorizationServer> {
    const options = this.requestOptions();
    const oidc = await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' });
    if (oidc.status === 200) return oauth.processDiscoveryResponse(issuer, oidc);
    await oidc.body?.cancel();
    const rfc8414 = await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' });
    return oauth.processDiscoveryResponse(issuer, rfc8414);
  }

  private tokenFailure(error: unknown, bodyError?: string): ServiceCallError {
    const code =
      error instanceof oauth.ResponseBodyError
        ? error.error
        : error instanceof oauth.WWWAuthenticateChallengeError
          ? (error.cause[0]?.parameters.error ?? bodyError ?? `http_${error.status}`)
          : error instanceof Error && error.name === 'TimeoutError'
            ? 'timeout'
            : error instanceof TypeError && /DPoP-bound/.test(error.message)
              ? 'not_dpop_bound'
              : error instanceof oauth.OperationProcessingError
                ? (httpStatusOf(error.cause) ?? error.code ?? 'invalid_response')
                : 'unreachable';
    publishSecurityEvent({
      kind: 'authentication.failed',
      reason: 'token_endpoint_failed',
      details: { client: this.settings.target, error: code },
    });
    return new ServiceCallError({
      target: this.settings.target,
      reason: 'token',
      message: `the token endpoint failed (${code})`,
      cause: error,
    });
  }
}

/** Whether a URL host is this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The RFC 6749 §5.2 `error` code of a token endpoint answer that oauth4webapi turned into a
 * challenge error: a 401 to a `client_secret_basic` request must carry `WWW-Authenticate: Basic`,
 * whose challenge has no `error`, while the JSON body does. Only a short code is taken.
 */
async function challengedError(error: unknown): Promise<string | undefined> {
  if (!(error instanceof oauth.WWWAuthenticateChallengeError)) return undefined;
  if (error.cause[0]?.parameters.error) return undefined;
  try {
    const text = await error.response.text();
    if (text.length > 4096) return undefined;
    const code = (JSON.parse(text) as { error?: unknown }).error;
    return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function httpStatusOf(cause: unknown): string | undefined {
  const status = (cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? `http_${status}` : undefined;
}

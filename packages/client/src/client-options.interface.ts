import type { Environment } from '@bulwark/core/env';

/**
 * Query parameters of a call. Arrays repeat the name; `undefined` entries are left out.
 *
 * @example
 * ```ts
 * { limit: 10, status: ['open', 'paid'] } // ?limit=10&status=open&status=paid
 * ```
 */
export type QueryParams = Readonly<
  Record<string, string | number | boolean | readonly (string | number | boolean)[] | undefined>
>;

/**
 * The client's own access token, by the client-credentials grant (RFC 6749 §4.4).
 *
 * The client authenticates with `private_key_jwt` (RFC 7523, a fresh assertion with a new `jti`
 * on every token request) when a key file is set, or with `client_secret_basic` when a secret
 * file is set. Exactly one of them.
 *
 * @example
 * ```ts
 * { kind: 'clientCredentials', scope: 'orders:read' } // AUTH_TOKEN_URL, AUTH_CLIENT_ID, AUTH_CLIENT_KEY_FILE
 * ```
 */
export interface ClientCredentialsAuth {
  kind: 'clientCredentials';
  /**
   * The token endpoint. When unset and `issuer` is set, it is discovered from the issuer's
   * metadata (OpenID discovery, then RFC 8414).
   * @default process.env.AUTH_TOKEN_URL
   */
  tokenUrl?: string;
  /**
   * The issuer whose metadata names the token endpoint, when `tokenUrl` is unset.
   * @default process.env.AUTH_ISSUER
   */
  issuer?: string;
  /**
   * The client id.
   * @default process.env.AUTH_CLIENT_ID
   */
  clientId?: string;
  /**
   * A file holding the client's private key for `private_key_jwt`: a PKCS #8 PEM (EC P-256,
   * Ed25519 or RSA) or a private JWK (JSON, whose `kid` is sent). Read at registration.
   * @default process.env.AUTH_CLIENT_KEY_FILE
   */
  keyFile?: string;
  /**
   * The `kid` put in the assertion header, when the key file is a PEM.
   * @default the JWK's `kid`, or none
   */
  keyId?: string;
  /**
   * A file holding the client secret, for `client_secret_basic`. Read at registration.
   * @default process.env.AUTH_CLIENT_SECRET_FILE
   */
  secretFile?: string;
  /**
   * The space-separated scope asked for.
   * @default none
   */
  scope?: string;
  /**
   * The RFC 8707 `resource` asked for.
   * @default the client's `audience` when it is an absolute URI, else none
   */
  resource?: string;
  /**
   * Ask for DPoP-bound tokens (RFC 9449) and send a DPoP proof with each call, from a key pair
   * this client creates at start. A `use_dpop_nonce` answer, from the token endpoint or the
   * downstream, is retried once with the server's nonce.
   * @default false
   */
  dpop?: boolean;
}

/**
 * RFC 8693 token exchange: the incoming user's access token is exchanged for one whose audience
 * is this client's `audience`. The token endpoint and the client's authentication are the same
 * as for {@link ClientCredentialsAuth}; the authorization server adds this service as the actor
 * (`act`). Exchanged tokens are cached per incoming token (by its SHA-256) until they expire.
 */
export interface TokenExchangeAuth extends Omit<ClientCredentialsAuth, 'kind'> {
  kind: 'tokenExchange';
}

/**
 * The incoming access token is forwarded as it is, only when its `aud` includes this client's
 * `audience`; otherwise the call fails before sending. A DPoP-bound incoming request is never
 * propagated (the proof cannot be replayed to another server).
 */
export interface PropagateAuth {
  kind: 'propagate';
}

/** No `Authorization` header. */
export interface NoAuth {
  kind: 'none';
}

/** How a client authenticates its calls. */
export type ClientAuthOptions = ClientCredentialsAuth | TokenExchangeAuth | PropagateAuth | NoAuth;

/** TLS to the downstream, and mTLS when a certificate and key are set. */
export interface ClientTlsOptions {
  /**
   * The CA bundle the server certificate is verified against. Verification cannot be turned off.
   * @default process.env.TLS_CA_FILE, else the system store
   */
  caFile?: string;
  /**
   * The client certificate presented for mTLS.
   * @default process.env.TLS_CERT_FILE
   */
  certFile?: string;
  /**
   * The client private key for mTLS.
   * @default process.env.TLS_KEY_FILE
   */
  keyFile?: string;
  /**
   * The server's expected identity: a `spiffe://` ID matched exactly against its URI SAN, or a
   * DNS name matched against its DNS SANs. Checked in the handshake, before any byte of the
   * request is sent.
   * @default none: the usual host name check against `baseUrl`
   */
  expectedPeer?: string;
  /**
   * How often the files are checked for new content, in milliseconds. New material is used for
   * new connections; calls in flight finish on their connection.
   * @default 5000
   */
  reloadIntervalMs?: number;
  /**
   * Set `false` to ignore the `TLS_*` environment variables for this client.
   * @default true
   */
  fromEnv?: boolean;
}

/** Timeouts of one call, in milliseconds. None can be turned off. */
export interface ClientTimeouts {
  /** Establishing the connection, TLS included. @default 2000 */
  connectMs?: number;
  /** From sending the request to the response headers. @default 5000 */
  headersMs?: number;
  /** The whole call, retries and body included. @default 10000 */
  totalMs?: number;
}

/**
 * Retries, for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) and for POST/PATCH carrying
 * an `Idempotency-Key`. Only a connection failure or a 502, 503 or 504 (or a 429 with
 * `Retry-After`) is retried.
 */
export interface ClientRetryOptions {
  /** Retries after the first attempt, from 0 to 2. @default 2 */
  attempts?: number;
  /** The backoff base: attempt n waits a random time in [0, min(maxDelayMs, base × 2ⁿ)]. @default 100 */
  baseDelayMs?: number;
  /** The backoff cap. @default 2000 */
  maxDelayMs?: number;
  /**
   * The share of extra load retries may add over the window: retries in the window stay under
   * `ratio × calls in the window + minRetries`.
   * @default 0.2
   */
  budgetRatio?: number;
  /** Retries always allowed per window, so a quiet client can still retry. @default 3 */
  minRetries?: number;
  /** The sliding window of the budget, in seconds. @default 10 */
  budgetWindowSeconds?: number;
}

/** The circuit breaker of one client. */
export interface ClientBreakerOptions {
  /** Consecutive failed calls that open it. @default 5 */
  consecutiveFailures?: number;
  /** How long it stays open before one trial call, in milliseconds. @default 10000 */
  halfOpenAfterMs?: number;
}

/**
 * Destinations for a client that calls URLs it is given (webhooks): every absolute URL passed
 * to a call is checked at connect time.
 */
export interface DynamicHostsOptions {
  /** Accepted schemes. @default ['https'] */
  schemes?: readonly ('http' | 'https')[];
  /**
   * Host names allowed (exact, or `*.example.com` for subdomains).
   * @default any host whose addresses are public
   */
  hosts?: readonly string[];
  /**
   * CIDRs that are allowed even though private, loopback or link-local (`10.1.0.0/16`).
   * Metadata addresses stay refused unless listed exactly.
   * @default []
   */
  allowNetworks?: readonly string[];
  /**
   * Resolves a host name to its addresses; the connection goes to a checked address only.
   * @default node:dns lookup with `all: true`
   */
  resolve?: (hostname: string) => Promise<readonly string[]>;
}

/**
 * Options of one service client.
 *
 * @example
 * ```ts
 * ClientModule.register({
 *   name: 'orders',
 *   baseUrl: 'https://orders.shop.svc:8443/v1/',
 *   audience: 'https://orders.shop',
 *   auth: { kind: 'tokenExchange' },
 *   tls: { expectedPeer: 'spiffe://cluster.local/ns/shop/sa/orders' },
 * });
 * ```
 */
export interface ServiceClientOptions {
  /** The client's name, used by `@InjectServiceClient(name)`, in errors, logs and metrics. */
  name: string;
  /**
   * The only origin and base path the client calls. `https` is required in production, except on
   * loopback.
   */
  baseUrl: string;
  /**
   * The downstream's audience: asked for in tokens and required in a propagated token's `aud`.
   * Required for every `auth` kind but `none`.
   */
  audience?: string;
  /** How calls are authenticated. @default { kind: 'none' } */
  auth?: ClientAuthOptions;
  /** TLS and mTLS. */
  tls?: ClientTlsOptions;
  /** Timeouts. */
  timeouts?: ClientTimeouts;
  /** Retries and the retry budget. */
  retry?: ClientRetryOptions;
  /** The circuit breaker. */
  breaker?: ClientBreakerOptions;
  /**
   * Follow same-origin redirects (up to 5). Cross-origin ones are refused.
   * @default false
   */
  followRedirects?: boolean;
  /** The largest response body read, in bytes. @default 1048576 (1 MiB) */
  maxResponseBytes?: number;
  /** Let calls take absolute URLs, checked against these rules. @default off */
  allowDynamicHosts?: DynamicHostsOptions;
  /** Where `AUTH_*` and `TLS_*` are read from. @default process.env */
  env?: Environment;
  /** The clock, in milliseconds since the epoch, for token expiry and the retry budget. @default Date.now */
  now?: () => number;
}

import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
  X509Certificate,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJws, verifyJws } from './internal/jws-verify.js';
import { TokenEndpoint } from './internal/token-endpoint.js';
import { type SigningAlgorithm, signCompact } from './jws.js';
import type {
  TestClientRegistration,
  TokenEndpointFault,
  TokenRequestRecord,
} from './token-endpoint.interface.js';

/** The asymmetric algorithms the test issuer keeps keys for. */
export type IssuerAlgorithm = Exclude<SigningAlgorithm, 'HS256'>;

/** One signing key of the test issuer. */
export interface IssuerKey {
  /** The key id published in the JWKS and put in token headers. */
  readonly kid: string;
  /** The JWS algorithm of the key. */
  readonly alg: IssuerAlgorithm;
  /** The private key, for signing. */
  readonly privateKey: KeyObject;
  /** The public key. */
  readonly publicKey: KeyObject;
  /** The public key as a JWK, with `kid`, `alg` and `use`. */
  readonly publicJwk: JsonWebKey;
}

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /**
   * The `aud` claim of minted tokens.
   * @default 'bulwark-test'
   */
  audience?: string;
  /**
   * Algorithms to create one key for at start.
   * @default ['ES256', 'RS256', 'EdDSA']
   */
  algorithms?: readonly IssuerAlgorithm[];
  /**
   * Token lifetime in seconds.
   * @default 300
   */
  ttlSeconds?: number;
  /**
   * The clock, in milliseconds since the epoch: for `mint()` without `now`, for the token
   * endpoint's tokens, and for its checks of client assertions and DPoP proofs.
   * @default Date.now
   */
  clock?: () => number;
}

/** What to put in a minted token. Any claim or header set to `undefined` is left out. */
export interface MintOptions {
  /** Claims merged over the defaults (`iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti`). */
  claims?: Record<string, unknown>;
  /** Header members merged over the defaults (`alg`, `typ: 'at+jwt'`, `kid`). */
  header?: Record<string, unknown>;
  /**
   * Algorithm of the key to sign with; the newest published key of that algorithm is used.
   * @default 'ES256'
   */
  alg?: IssuerAlgorithm;
  /** Sign with this exact key, published or retired. */
  kid?: string;
  /** Token lifetime in seconds, overriding the issuer's. */
  ttlSeconds?: number;
  /** The clock, in seconds since the epoch, for `iat`, `nbf` and `exp`. */
  now?: number;
}

/** A running test issuer. See {@link createTestIssuer}. */
export interface TestIssuer {
  /** The issuer identifier (`iss`): the server's base URL. */
  readonly issuer: string;
  /** The default audience of minted tokens. */
  readonly audience: string;
  /** The JWKS URL. */
  readonly jwksUrl: string;
  /** The OpenID discovery URL. */
  readonly discoveryUrl: string;
  /**
   * The token endpoint URL (`<issuer>/token`, also in the discovery document). It serves
   * `client_credentials` and RFC 8693 token exchange to the clients given to
   * {@link TestIssuer.registerClient}, authenticated by `client_secret_basic` or
   * `private_key_jwt`, and binds tokens to a DPoP key when the request carries a proof.
   */
  readonly tokenUrl: string;
  /** Every request the token endpoint received, in order, with its answer. */
  readonly tokenRequests: readonly TokenRequestRecord[];
  /** Every key created, published or retired. */
  readonly keys: readonly IssuerKey[];
  /** How many times the JWKS was requested. */
  readonly jwksHits: number;
  /** Every request path the server saw, in order. */
  readonly requests: readonly string[];
  /** Mints a signed token. */
  mint(options?: MintOptions): string;
  /**
   * Mints a token bound to a DPoP key (RFC 9449 §6.1): `cnf.jkt` is the key's thumbprint, given
   * as a `DpopKey` from `createDpopKey` or as the thumbprint itself.
   */
  mintDpopBound(key: { readonly jkt: string } | string, options?: MintOptions): string;
  /**
   * Mints a certificate-bound token (RFC 8705 §3.1): `cnf["x5t#S256"]` is the SHA-256 thumbprint
   * of the client certificate, given as PEM, DER or an `X509Certificate`.
   */
  mintCertificateBound(
    certificate: string | Uint8Array | X509Certificate,
    options?: MintOptions,
  ): string;
  /** Creates and publishes a new key; returns it. */
  publish(alg: IssuerAlgorithm): IssuerKey;
  /** Removes a key from the JWKS; it can still sign, so tests can mint with a retired key. */
  retire(kid: string): void;
  /** Makes the JWKS and discovery endpoints answer with this status, or recover with `undefined`. */
  fail(status: number | undefined): void;
  /** Delays JWKS answers by this many milliseconds (0 for none). */
  delay(milliseconds: number): void;
  /**
   * Registers (or replaces) a client of the token endpoint.
   * @throws TypeError unless exactly one of `secret` and `publicKey` is given.
   */
  registerClient(client: TestClientRegistration): void;
  /**
   * Makes the token endpoint fail: `'invalid_client'` (401) or an HTTP status such as 500;
   * `undefined` recovers. Requests are still recorded in `tokenRequests`.
   */
  failTokens(fault: TokenEndpointFault | undefined): void;
  /** Delays token endpoint answers by this many milliseconds (0 for none). */
  delayTokens(milliseconds: number): void;
  /**
   * Requires DPoP proofs at the token endpoint to carry this nonce, answering
   * `use_dpop_nonce` with a `DPoP-Nonce` header otherwise (RFC 9449 §8); `undefined` stops.
   */
  requireDpopNonce(nonce: string | undefined): void;
  /** Sets the hit counter, the request log and `tokenRequests` back to zero. */
  resetCounters(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a real OAuth 2.0 / OIDC token issuer on loopback: a JWKS endpoint, a discovery
 * document, a token endpoint (client credentials and token exchange, see
 * {@link TestIssuer.tokenUrl}) and a minter for RFC 9068 access tokens, with key rotation, outage
 * simulation and a hit counter.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer();
 * const token = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read' } });
 * await fetch(`${url}/v1/notes`, { headers: { authorization: `Bearer ${token}` } });
 * await issuer.close();
 * ```
 *
 * @example
 * ```ts
 * // A service's own client credentials, against the real token endpoint:
 * issuer.registerClient({ clientId: 'notes-service', secret: 'a-long-test-secret' });
 * // AUTH_TOKEN_URL=issuer.tokenUrl AUTH_CLIENT_ID=notes-service AUTH_CLIENT_SECRET_FILE=…
 * issuer.failTokens(500); // every token request now fails with 500
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const audience = options.audience ?? 'bulwark-test';
  const ttl = options.ttlSeconds ?? 300;
  const clock = options.clock ?? Date.now;
  const keys: IssuerKey[] = [];
  const published = new Set<string>();
  const requests: string[] = [];
  let jwksHits = 0;
  let failure: number | undefined;
  let delayMs = 0;
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', base).pathname;
    requests.push(path);
    if (path === '/token') return tokenEndpoint.handle(req, res);
    if (path === '/.well-known/jwks.json') {
      jwksHits += 1;
      const answer = () => {
        if (failure !== undefined) return send(res, failure, { error: 'unavailable' });
        send(res, 200, {
          keys: keys.filter((key) => published.has(key.kid)).map((key) => key.publicJwk),
        });
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      if (failure !== undefined) return send(res, failure, { error: 'unavailable' });
      return send(res, 200, {
        issuer: base,
        jwks_uri: `${base}/.well-known/jwks.json`,
        token_endpoint: `${base}/token`,
        grant_types_supported: [
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: [
          'ES256',
          'ES384',
          'RS256',
          'PS256',
          'EdDSA',
        ],
        dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        id_token_signing_alg_values_supported: [...new Set(keys.map((key) => key.alg))],
      });
    }
    send(res, 404, { error: 'not_found' });
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const publish = (alg: IssuerAlgorithm): IssuerKey => {
    const key = createKey(alg);
    keys.push(key);
    published.add(key.kid);
    return key;
  };
  for (const alg of options.algorithms ?? ['ES256', 'RS256', 'EdDSA']) publish(alg);

  const findKey = (mint: MintOptions): IssuerKey => {
    const key =
      mint.kid === undefined
        ? keys.filter((k) => k.alg === (mint.alg ?? 'ES256') && published.has(k.kid)).at(-1)
        : keys.find((k) => k.kid === mint.kid);
    if (!key) throw new Error(`test issuer has no key for ${mint.kid ?? mint.alg ?? 'ES256'}`);
    return key;
  };

  const tokenEndpoint = new TokenEndpoint({
    issuer: base,
    tokenUrl: `${base}/token`,
    audience,
    ttlSeconds: ttl,
    now: clock,
    mint: (claims, ttlSeconds) => issuer.mint({ claims, ttlSeconds }),
    verifyOwnToken(token) {
      const jws = decodeJws(token);
      const key = keys.find((k) => k.kid === jws?.header.kid && published.has(k.kid));
      if (!jws || !key || jws.header.alg !== key.alg || !verifyJws(jws, key.publicKey)) {
        return undefined;
      }
      const { iss, exp } = jws.payload;
      if (iss !== base || typeof exp !== 'number' || exp * 1000 <= clock()) return undefined;
      return jws.payload;
    },
  });

  const issuer: TestIssuer = {
    issuer: base,
    audience,
    jwksUrl: `${base}/.well-known/jwks.json`,
    discoveryUrl: `${base}/.well-known/openid-configuration`,
    tokenUrl: `${base}/token`,
    get tokenRequests() {
      return tokenEndpoint.records;
    },
    registerClient(client) {
      tokenEndpoint.register(client);
    },
    failTokens(fault) {
      tokenEndpoint.setFault(fault);
    },
    delayTokens(milliseconds) {
      tokenEndpoint.setDelay(milliseconds);
    },
    requireDpopNonce(nonce) {
      tokenEndpoint.setDpopNonce(nonce);
    },
    get keys() {
      return keys;
    },
    get jwksHits() {
      return jwksHits;
    },
    get requests() {
      return requests;
    },
    mint(mint: MintOptions = {}) {
      const key = findKey(mint);
      const now = mint.now ?? Math.floor(clock() / 1000);
      const claims = withoutUndefined({
        iss: base,
        aud: audience,
        sub: 'alice',
        client_id: 'bulwark-test-client',
        iat: now,
        nbf: now,
        exp: now + (mint.ttlSeconds ?? ttl),
        jti: randomUUID(),
        ...mint.claims,
      });
      const header = withoutUndefined({
        alg: key.alg,
        typ: 'at+jwt',
        kid: key.kid,
        ...mint.header,
      });
      return signCompact(header, claims, key.alg, key.privateKey);
    },
    mintDpopBound(key, mint = {}) {
      const jkt = typeof key === 'string' ? key : key.jkt;
      return issuer.mint({ ...mint, claims: { ...mint.claims, cnf: { jkt } } });
    },
    mintCertificateBound(certificate, mint = {}) {
      const x5t = certificateThumbprint(certificate);
      return issuer.mint({ ...mint, claims: { ...mint.claims, cnf: { 'x5t#S256': x5t } } });
    },
    publish,
    retire(kid: string) {
      published.delete(kid);
    },
    fail(status: number | undefined) {
      failure = status;
    },
    delay(milliseconds: number) {
      delayMs = milliseconds;
    },
    resetCounters() {
      jwksHits = 0;
      requests.length = 0;
      tokenEndpoint.records.length = 0;
    },
    close() {
      tokenEndpoint.close();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return issuer;
}

/**
 * The RFC 8705 §3.1 `x5t#S256` of a certificate: base64url SHA-256 of its DER encoding.
 *
 * @example
 * ```ts
 * certificateThumbprint(readFileSync('client.pem', 'utf8')); // 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'
 * ```
 */
export function certificateThumbprint(certificate: string | Uint8Array | X509Certificate): string {
  const parsed =
    certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  return createHash('sha256').update(parsed.raw).digest('base64url');
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Creates a key pair for one algorithm, with a random `kid`. */
export function createKey(alg: IssuerAlgorithm): IssuerKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256' || alg === 'ES384'
        ? generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

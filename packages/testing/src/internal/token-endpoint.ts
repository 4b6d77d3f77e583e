import {
  createHash,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwkThumbprint } from '../dpop.js';
import type {
  TestClientRegistration,
  TokenEndpointFault,
  TokenRequestRecord,
} from '../token-endpoint.interface.js';
import { type DecodedJws, decodeJws, verifyJws } from './jws-verify.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** Leeway for `iat`/`nbf` in the future and for DPoP proof age, in seconds. */
const SKEW_SECONDS = 60;
const MAX_BODY_BYTES = 64 * 1024;

/** What the token endpoint needs from the issuer that owns it. */
export interface TokenEndpointHost {
  /** The issuer identifier. */
  readonly issuer: string;
  /** The token endpoint URL. */
  readonly tokenUrl: string;
  /** Default `aud` of issued tokens. */
  readonly audience: string;
  /** Default token lifetime, in seconds. */
  readonly ttlSeconds: number;
  /** The clock, in milliseconds since the epoch. */
  now(): number;
  /** Mints an access token with these claims. */
  mint(claims: Record<string, unknown>, ttlSeconds: number): string;
  /** The claims of an access token this issuer signed and that has not expired, or `undefined`. */
  verifyOwnToken(token: string): Record<string, unknown> | undefined;
}

interface RegisteredClient {
  readonly clientId: string;
  readonly secretHash: Buffer | undefined;
  readonly publicKey: KeyObject | undefined;
  readonly tokenTtlSeconds: number | undefined;
}

type MutableRecord = { -readonly [K in keyof TokenRequestRecord]: TokenRequestRecord[K] };

/** An OAuth error answer: status, `error`, `error_description`. */
class OAuthError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {}
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * The test issuer's RFC 6749 token endpoint: `client_credentials` and RFC 8693 token exchange,
 * clients authenticated by `client_secret_basic` or `private_key_jwt` (RFC 7523), tokens bound to
 * a DPoP key on request (RFC 9449 §5), and switchable failures.
 */
export class TokenEndpoint {
  readonly records: MutableRecord[] = [];
  private readonly clients = new Map<string, RegisteredClient>();
  /** RFC 7523 §3 item 7 and RFC 9449 §11.1: each `jti` once, kept until its `exp`. */
  private readonly usedJtis = new Map<string, number>();
  private fault: TokenEndpointFault | undefined;
  private delayMs = 0;
  private nonce: string | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly host: TokenEndpointHost) {}

  register(registration: TestClientRegistration): void {
    const { clientId, secret, publicKey } = registration;
    if (typeof clientId !== 'string' || clientId === '') {
      throw new TypeError('registerClient: clientId must be a non-empty string');
    }
    if ((secret === undefined) === (publicKey === undefined)) {
      throw new TypeError(
        `registerClient(${clientId}): give exactly one of secret (client_secret_basic) and publicKey (private_key_jwt)`,
      );
    }
    let key: KeyObject | undefined;
    if (publicKey !== undefined) {
      key =
        'asymmetricKeyType' in publicKey && typeof publicKey.export === 'function'
          ? (publicKey as KeyObject)
          : createPublicKey({ key: publicKey as JsonWebKey, format: 'jwk' });
      if (key.type === 'private') key = createPublicKey(key);
    }
    this.clients.set(clientId, {
      clientId,
      secretHash: secret === undefined ? undefined : sha256(secret),
      publicKey: key,
      tokenTtlSeconds: registration.tokenTtlSeconds,
    });
  }

  setFault(fault: TokenEndpointFault | undefined): void {
    this.fault = fault;
  }

  setDelay(milliseconds: number): void {
    this.delayMs = milliseconds;
  }

  setDpopNonce(nonce: string | undefined): void {
    this.nonce = nonce;
  }

  /** Drops answers still held back by a delay. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    void this.answer(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { error: 'server_error' });
    });
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record: MutableRecord = {
      grantType: '',
      parameters: {},
      authMethod: 'none',
      clientId: undefined,
      dpopJkt: undefined,
      status: 0,
      error: undefined,
      errorDescription: undefined,
    };
    this.records.push(record);
    const finish = (status: number, body: Record<string, unknown>, headers = {}) => {
      record.status = status;
      record.error = typeof body.error === 'string' ? body.error : undefined;
      record.errorDescription =
        typeof body.error_description === 'string' ? body.error_description : undefined;
      const reply = () => send(response, status, body, headers);
      if (this.delayMs <= 0) return reply();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        reply();
      }, this.delayMs);
      this.timers.add(timer);
    };
    try {
      if (request.method !== 'POST') {
        throw new OAuthError(405, 'invalid_request', 'the token endpoint takes POST only');
      }
      const parameters = await readForm(request);
      record.parameters = parameters;
      record.grantType = parameters.grant_type ?? '';
      if (this.fault !== undefined && this.fault !== 'invalid_client') {
        return finish(this.fault, { error: 'server_error' });
      }
      const basic = request.headers.authorization;
      record.authMethod =
        basic !== undefined
          ? 'client_secret_basic'
          : parameters.client_assertion !== undefined
            ? 'private_key_jwt'
            : 'none';
      const client = this.authenticate(basic, parameters);
      record.clientId = client.clientId;
      const jkt = this.checkDpop(request, response);
      record.dpopJkt = jkt;
      const ttl = client.tokenTtlSeconds ?? this.host.ttlSeconds;
      const issued = this.grant(client, parameters, jkt, ttl);
      return finish(200, {
        access_token: issued.token,
        token_type: jkt === undefined ? 'Bearer' : 'DPoP',
        expires_in: ttl,
        ...(issued.scope === undefined ? {} : { scope: issued.scope }),
        ...(issued.tokenType === undefined ? {} : { issued_token_type: issued.tokenType }),
      });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      const headers: Record<string, string> = {};
      // RFC 6749 §5.2: a client that tried the Authorization header gets its scheme back.
      if (error.status === 401) headers['www-authenticate'] = 'Basic realm="bulwark-test"';
      if (error.error === 'use_dpop_nonce' && this.nonce) headers['dpop-nonce'] = this.nonce;
      return finish(
        error.status,
        { error: error.error, error_description: error.description },
        headers,
      );
    }
  }

  private authenticate(
    authorization: string | undefined,
    parameters: Record<string, string>,
  ): RegisteredClient {
    if (this.fault === 'invalid_client') {
      throw new OAuthError(401, 'invalid_client', 'the test issuer is set to refuse every client');
    }
    const hasAssertion =
      parameters.client_assertion !== undefined || parameters.client_assertion_type !== undefined;
    if (authorization !== undefined && hasAssertion) {
      // RFC 6749 §2.3: a client must not use more than one authentication method per request.
      throw new OAuthError(400, 'invalid_request', 'more than one client authentication method');
    }
    if (authorization !== undefined) return this.authenticateBasic(authorization);
    if (hasAssertion) return this.authenticateAssertion(parameters);
    throw new OAuthError(401, 'invalid_client', 'no client authentication');
  }

  private authenticateBasic(authorization: string): RegisteredClient {
    const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization)?.[1];
    const decoded = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'malformed Basic credentials');
    let id: string;
    let secret: string;
    try {
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
      id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      throw new OAuthError(401, 'invalid_client', 'malformed Basic credentials');
    }
    const client = this.clients.get(id);
    if (!client) throw new OAuthError(401, 'invalid_client', `unknown client ${id}`);
    if (!client.secretHash) {
      throw new OAuthError(401, 'invalid_client', `client ${id} is registered for private_key_jwt`);
    }
    if (!timingSafeEqual(sha256(secret), client.secretHash)) {
      throw new OAuthError(401, 'invalid_client', `wrong secret for client ${id}`);
    }
    return client;
  }

  /** RFC 7523 §2.2 and §3: the JWT client assertion. */
  private authenticateAssertion(parameters: Record<string, string>): RegisteredClient {
    const refuse = (description: string) => new OAuthError(401, 'invalid_client', description);
    if (parameters.client_assertion_type !== JWT_BEARER) {
      throw refuse(`client_assertion_type must be ${JWT_BEARER}`);
    }
    const jws = decodeJws(parameters.client_assertion ?? '');
    if (!jws) throw refuse('client_assertion is not a compact JWT');
    const { iss, sub, aud, exp, nbf, iat, jti } = jws.payload;
    if (typeof sub !== 'string' || iss !== sub) {
      throw refuse('client assertion iss and sub must both be the client_id');
    }
    if (parameters.client_id !== undefined && parameters.client_id !== sub) {
      throw refuse('client_id does not match the client assertion');
    }
    const client = this.clients.get(sub);
    if (!client) throw refuse(`unknown client ${sub}`);
    if (!client.publicKey) throw refuse(`client ${sub} is registered for client_secret_basic`);
    if (!verifyJws(jws, client.publicKey)) {
      throw refuse('client assertion signature does not verify with the registered key');
    }
    // RFC 7523 §3 item 3: the token endpoint URL, or the issuer identifier, is the audience.
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((value) => value === this.host.tokenUrl || value === this.host.issuer)) {
      throw refuse(
        `client assertion aud must be the token endpoint ${this.host.tokenUrl} or the issuer ${this.host.issuer}`,
      );
    }
    const now = Math.floor(this.host.now() / 1000);
    if (typeof exp !== 'number') throw refuse('client assertion has no exp');
    if (exp <= now) throw refuse('client assertion has expired');
    if (typeof nbf === 'number' && nbf > now + SKEW_SECONDS) {
      throw refuse('client assertion is not valid yet (nbf)');
    }
    if (typeof iat === 'number' && iat > now + SKEW_SECONDS) {
      throw refuse('client assertion is issued in the future (iat)');
    }
    if (typeof jti !== 'string' || jti === '') throw refuse('client assertion has no jti');
    this.useOnce(`assertion:${sub}:${jti}`, exp, now, () =>
      refuse('client assertion jti was already used'),
    );
    return client;
  }

  /** RFC 9449 §4.3 checks of a token request's DPoP proof; its key thumbprint, if any. */
  private checkDpop(request: IncomingMessage, response: ServerResponse): string | undefined {
    const header = request.headers.dpop;
    if (header === undefined) return undefined;
    const refuse = (description: string) => new OAuthError(400, 'invalid_dpop_proof', description);
    if (typeof header !== 'string') throw refuse('more than one DPoP header');
    const jws = decodeJws(header);
    if (!jws) throw refuse('the DPoP proof is not a compact JWT');
    const jwk = jws.header.jwk as JsonWebKey | undefined;
    if (jws.header.typ !== 'dpop+jwt') throw refuse('the DPoP proof typ must be dpop+jwt');
    if (typeof jwk !== 'object' || jwk === null) throw refuse('the DPoP proof has no jwk');
    if ('d' in jwk) throw refuse('the DPoP proof jwk holds a private key');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw refuse('the DPoP proof jwk is not a usable public key');
    }
    if (!verifyJws(jws as DecodedJws, key)) throw refuse('the DPoP proof signature is invalid');
    const { htm, htu, iat, jti, nonce } = jws.payload;
    if (htm !== 'POST') throw refuse('the DPoP proof htm must be POST');
    if (htu !== this.host.tokenUrl)
      throw refuse(`the DPoP proof htu must be ${this.host.tokenUrl}`);
    const now = Math.floor(this.host.now() / 1000);
    if (typeof iat !== 'number' || Math.abs(iat - now) > SKEW_SECONDS) {
      throw refuse('the DPoP proof iat is missing or too far from now');
    }
    if (typeof jti !== 'string' || jti === '') throw refuse('the DPoP proof has no jti');
    if (this.nonce !== undefined && nonce !== this.nonce) {
      response.setHeader('cache-control', 'no-store');
      throw new OAuthError(400, 'use_dpop_nonce', 'the DPoP proof must carry the server nonce');
    }
    this.useOnce(`dpop:${jti}`, iat + SKEW_SECONDS, now, () =>
      refuse('the DPoP proof jti was already used'),
    );
    return jwkThumbprint(jwk);
  }

  private grant(
    client: RegisteredClient,
    parameters: Record<string, string>,
    jkt: string | undefined,
    ttl: number,
  ): { token: string; scope: string | undefined; tokenType: string | undefined } {
    const cnf = jkt === undefined ? undefined : { jkt };
    const audience = parameters.audience ?? parameters.resource ?? this.host.audience;
    switch (parameters.grant_type) {
      case 'client_credentials': {
        const scope = parameters.scope;
        const token = this.host.mint(
          { sub: client.clientId, client_id: client.clientId, aud: audience, scope, cnf },
          ttl,
        );
        return { token, scope, tokenType: undefined };
      }
      case TOKEN_EXCHANGE: {
        const type = parameters.subject_token_type;
        if (type !== ACCESS_TOKEN_TYPE && type !== JWT_TOKEN_TYPE) {
          throw new OAuthError(
            400,
            'invalid_request',
            `subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`,
          );
        }
        const subject = this.host.verifyOwnToken(parameters.subject_token ?? '');
        if (!subject) {
          throw new OAuthError(
            400,
            'invalid_grant',
            'subject_token is not a valid, unexpired token of this issuer',
          );
        }
        const scope =
          parameters.scope ?? (typeof subject.scope === 'string' ? subject.scope : undefined);
        // RFC 8693 §4.1: the authenticated client is the actor; a prior actor nests inside.
        const act =
          subject.act === undefined
            ? { sub: client.clientId }
            : { sub: client.clientId, act: subject.act };
        const token = this.host.mint(
          { sub: subject.sub, client_id: client.clientId, aud: audience, scope, act, cnf },
          ttl,
        );
        return { token, scope, tokenType: ACCESS_TOKEN_TYPE };
      }
      default:
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${parameters.grant_type ?? '(none)'} is not supported`,
        );
    }
  }

  private useOnce(key: string, expiresAt: number, now: number, error: () => OAuthError): void {
    for (const [seen, until] of this.usedJtis) if (until < now) this.usedJtis.delete(seen);
    if (this.usedJtis.has(key)) throw error();
    this.usedJtis.set(key, expiresAt);
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError(
      400,
      'invalid_request',
      'the body must be application/x-www-form-urlencoded',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new OAuthError(413, 'invalid_request', 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

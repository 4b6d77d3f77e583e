import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** The client that authenticates with private_key_jwt. */
export const KEY_CLIENT_ID = 'orders-caller';
/** The client that authenticates with client_secret_basic. */
export const SECRET_CLIENT_ID = 'orders-caller-secret';
export const CLIENT_SECRET = 'a-client-secret-long-enough-for-these-tests';
/** The downstream's audience (an RFC 8707 resource). */
export const ORDERS_AUDIENCE = 'https://orders.test';
export const SCOPES = ['orders:read', 'orders:write', 's1', 's2', 's3', 's4', 's5'];

/** panva's oidc-provider, a real authorization server, on loopback. */
export interface IdentityProvider {
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  /** Paths requested so far. */
  readonly requests: string[];
  /** Token requests so far. */
  readonly tokenRequests: number;
  /** The client's private key as a JWK, for AUTH_CLIENT_KEY_FILE. */
  readonly clientPrivateJwk: JWK;
  /** Makes `/token` answer 500 (`true`) or work again. */
  failTokens(fail: boolean): void;
  close(): Promise<void>;
}

/** Options of {@link startIdentityProvider}. */
export interface IdentityProviderOptions {
  /** Answer DPoP token requests without a server nonce with `use_dpop_nonce` (RFC 9449 §8). */
  requireDpopNonce?: boolean;
}

export async function startIdentityProvider(
  options: IdentityProviderOptions = {},
): Promise<IdentityProvider> {
  const requests: string[] = [];
  let tokenRequests = 0;
  let failing = false;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const clientPrivateJwk = { ...(await exportJWK(privateKey)), kid: 'client-key-1' };
  const clientPublicJwk = {
    ...(await exportJWK(publicKey)),
    kid: 'client-key-1',
    alg: 'ES256',
    use: 'sig',
  };
  const signing = await generateKeyPair('ES256', { extractable: true });
  const signingJwk = {
    ...(await exportJWK(signing.privateKey)),
    kid: 'idp-es256',
    alg: 'ES256',
    use: 'sig',
  };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const resourceServer = {
    scope: SCOPES.join(' '),
    audience: ORDERS_AUDIENCE,
    accessTokenFormat: 'jwt' as const,
    accessTokenTTL: 600,
    jwt: { sign: { alg: 'ES256' } },
  };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingJwk] },
    clients: [
      {
        client_id: KEY_CLIENT_ID,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [clientPublicJwk] },
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: SECRET_CLIENT_ID,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: () => options.requireDpopNonce === true,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => ORDERS_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => resourceServer,
      },
    },
  });
  const handle = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    requests.push(path);
    if (path === '/token') {
      tokenRequests += 1;
      if (failing) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"server_error"}');
        return;
      }
    }
    handle(request, response);
  });
  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    requests,
    get tokenRequests() {
      return tokenRequests;
    },
    clientPrivateJwk,
    failTokens(fail: boolean) {
      failing = fail;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** The audience (RFC 8707 resource) the provider issues access tokens for. */
export const API_AUDIENCE = 'urn:bulwark:test-api';
const CLIENT_ID = 'orders-worker';
const CLIENT_SECRET = 'a-client-secret-long-enough-for-the-tests';

/** An address of this host that is not loopback, so http to it counts as leaving the host. */
export function nonLoopbackAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    const found = entries?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (found) return found.address;
  }
  // 0.0.0.0 reaches this host on Linux and is not a loopback address either.
  return '0.0.0.0';
}

/** Options of {@link startIdentityProvider}. */
export interface IdentityProviderOptions {
  /** The host in the issuer URL. @default '127.0.0.1' */
  host?: string;
  /** A fixed port, to bring a provider back where it was. @default a free port */
  port?: number;
  /** Answer 404 for the OpenID discovery document, as a plain OAuth server (RFC 8414) does. */
  withoutOpenIdDiscovery?: boolean;
}

/** panva's oidc-provider, a real OpenID provider, listening on this host. */
export interface IdentityProvider {
  readonly issuer: string;
  readonly port: number;
  /** Paths requested so far. */
  readonly requests: readonly string[];
  /** An RFC 9068 access token for the client, by the client-credentials grant. */
  token(scope?: string): Promise<string>;
  close(): Promise<void>;
}

/** A free port on every interface, released again for the caller to take. */
export async function reservePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const signingKey = (async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: 'provider-es256', alg: 'ES256', use: 'sig' };
})();

/**
 * Starts an OpenID provider that issues JWT access tokens (RFC 9068, `typ: at+jwt`) for
 * {@link API_AUDIENCE} by client credentials. It listens on every interface, so an issuer on a
 * non-loopback address of this host works too.
 */
export async function startIdentityProvider(
  options: IdentityProviderOptions = {},
): Promise<IdentityProvider> {
  const requests: string[] = [];
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [await signingKey] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'notes:read notes:write',
          audience: API_AUDIENCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  const handle = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    requests.push(path);
    if (options.withoutOpenIdDiscovery && path === '/.well-known/openid-configuration') {
      response.writeHead(404).end();
      return;
    }
    handle(request, response);
  });
  return {
    issuer,
    port,
    requests,
    async token(scope = 'notes:read') {
      const response = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (!body.access_token) throw new Error(`the provider issued no token: ${body.error}`);
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

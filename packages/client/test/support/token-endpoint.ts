import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestIssuer } from '@bulwark/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export const EXCHANGE_CLIENT_ID = 'notes-service';
export const EXCHANGE_CLIENT_SECRET = 'exchange-secret-for-the-tests-only';

/** One grant the endpoint answered. */
export interface Grant {
  grantType: string;
  parameters: Record<string, string>;
}

/**
 * A real RFC 6749 / RFC 8693 token endpoint over HTTP for tests: client_credentials and token
 * exchange, with `client_secret_basic`, tokens minted by the test issuer, the actor in `act`,
 * and switches for failures.
 */
export interface TokenEndpoint {
  readonly url: string;
  readonly grants: Grant[];
  /** Lifetime of issued tokens, in seconds. */
  expiresIn: number;
  /** `invalid_client`, 500, or none. */
  mode: 'ok' | 'invalid_client' | 'server_error';
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
};

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export async function startTokenEndpoint(issuer: TestIssuer): Promise<TokenEndpoint> {
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
  const grants: Grant[] = [];
  const state = { expiresIn: 300, mode: 'ok' as TokenEndpoint['mode'] };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const parameters = await readForm(request);
      grants.push({ grantType: parameters.grant_type ?? '', parameters });
      if (state.mode === 'server_error') return send(response, 500, { error: 'server_error' });
      const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const [id, secret] = Buffer.from(basic ?? '', 'base64')
        .toString('utf8')
        .split(':')
        .map(decodeURIComponent);
      if (
        state.mode === 'invalid_client' ||
        id !== EXCHANGE_CLIENT_ID ||
        secret !== EXCHANGE_CLIENT_SECRET
      ) {
        return send(response, 401, { error: 'invalid_client' });
      }
      const scope = parameters.scope;
      if (parameters.grant_type === 'client_credentials') {
        const token = issuer.mint({
          claims: {
            sub: id,
            client_id: id,
            aud: parameters.resource ?? parameters.audience,
            scope,
          },
          ttlSeconds: state.expiresIn,
        });
        return send(response, 200, {
          access_token: token,
          token_type: 'Bearer',
          expires_in: state.expiresIn,
          scope,
        });
      }
      if (parameters.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange') {
        let subject: Record<string, unknown>;
        try {
          ({ payload: subject } = await jwtVerify(parameters.subject_token ?? '', jwks, {
            issuer: issuer.issuer,
          }));
        } catch {
          return send(response, 400, { error: 'invalid_grant' });
        }
        // RFC 8693 §4.1: the acting party is the authenticated client.
        const token = issuer.mint({
          claims: {
            sub: subject.sub,
            client_id: id,
            aud: parameters.audience ?? parameters.resource,
            scope: scope ?? subject.scope,
            act: { sub: id },
          },
          ttlSeconds: state.expiresIn,
        });
        return send(response, 200, {
          access_token: token,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: state.expiresIn,
        });
      }
      return send(response, 400, { error: 'unsupported_grant_type' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    url,
    grants,
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value: number) {
      state.expiresIn = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: TokenEndpoint['mode']) {
      state.mode = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

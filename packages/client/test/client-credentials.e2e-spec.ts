import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, ServiceCallError, type ServiceClient } from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';
import {
  CLIENT_SECRET,
  type IdentityProvider,
  KEY_CLIENT_ID,
  ORDERS_AUDIENCE,
  SECRET_CLIENT_ID,
  startIdentityProvider,
} from './support/identity-provider.js';

describe('client credentials against oidc-provider', () => {
  let idp: IdentityProvider;
  let downstream: Downstream;
  let dir: string;
  let keyFile: string;
  let secretFile: string;
  const clients: ServiceClient[] = [];

  beforeAll(async () => {
    idp = await startIdentityProvider();
    downstream = await startDownstream((request, response) =>
      json(response, 200, { path: request.path }),
    );
    dir = mkdtempSync(join(tmpdir(), 'bulwark-client-'));
    keyFile = join(dir, 'client-key.json');
    writeFileSync(keyFile, JSON.stringify(idp.clientPrivateJwk));
    secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, `${CLIENT_SECRET}\n`);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    downstream.seen.length = 0;
  });
  afterAll(async () => {
    await downstream.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokensSeen = () =>
    downstream.seen.map((request) => (request.headers.authorization ?? '').replace(/^Bearer /, ''));

  async function client(env: Record<string, string>, scope?: string) {
    const created = await createServiceClient({
      name: 'orders',
      baseUrl: `${downstream.url}/v1/`,
      audience: ORDERS_AUDIENCE,
      auth: { kind: 'clientCredentials', ...(scope ? { scope } : {}) },
      env,
    });
    clients.push(created);
    return created;
  }

  it('signs a private_key_jwt from AUTH_CLIENT_KEY_FILE at AUTH_TOKEN_URL and sends the token for its audience', async () => {
    const orders = await client(
      {
        AUTH_TOKEN_URL: idp.tokenUrl,
        AUTH_CLIENT_ID: KEY_CLIENT_ID,
        AUTH_CLIENT_KEY_FILE: keyFile,
      },
      'orders:read',
    );
    expect(await orders.get('/orders/1')).toEqual({ path: '/v1/orders/1' });
    const [token] = tokensSeen();
    const { payload } = await jwtVerify(token ?? '', createRemoteJWKSet(new URL(idp.jwksUrl)), {
      issuer: idp.issuer,
      audience: ORDERS_AUDIENCE,
    });
    expect(payload.client_id).toBe(KEY_CLIENT_ID);
    expect(payload.scope).toBe('orders:read');
  });

  it('finds the token endpoint by discovery on AUTH_ISSUER and authenticates with AUTH_CLIENT_SECRET_FILE', async () => {
    const orders = await client(
      {
        AUTH_ISSUER: idp.issuer,
        AUTH_CLIENT_ID: SECRET_CLIENT_ID,
        AUTH_CLIENT_SECRET_FILE: secretFile,
      },
      'orders:write',
    );
    await orders.get('/x');
    expect(idp.requests).toContain('/.well-known/openid-configuration');
    const payload = decodeJwt(tokensSeen()[0] ?? '');
    expect(payload.client_id).toBe(SECRET_CLIENT_ID);
    expect(payload.scope).toBe('orders:write');
  });

  it('fetches one token per scope for 50 concurrent calls over 5 scopes, each call with its own scope', async () => {
    const orders = await client({
      AUTH_TOKEN_URL: idp.tokenUrl,
      AUTH_CLIENT_ID: KEY_CLIENT_ID,
      AUTH_CLIENT_KEY_FILE: keyFile,
    });
    const before = idp.tokenRequests;
    const scopes = ['s1', 's2', 's3', 's4', 's5'];
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => {
        const scope = scopes[index % 5] as string;
        return orders.get(`/calls/${scope}/${index}`, { scope });
      }),
    );
    expect(idp.tokenRequests - before).toBe(5);
    expect(orders.tokenFetches).toBe(5);
    expect(downstream.seen).toHaveLength(50);
    for (const request of downstream.seen) {
      const scope = request.path.split('/')[3];
      const payload = decodeJwt((request.headers.authorization ?? '').replace(/^Bearer /, ''));
      expect(payload.scope).toBe(scope);
    }
  });

  it('signs a fresh assertion with a new jti for every token request', async () => {
    const orders = await client({
      AUTH_TOKEN_URL: idp.tokenUrl,
      AUTH_CLIENT_ID: KEY_CLIENT_ID,
      AUTH_CLIENT_KEY_FILE: keyFile,
    });
    // oidc-provider refuses a reused client-assertion jti, so three grants passing proves three jtis.
    await orders.get('/a', { scope: 'orders:read' });
    await orders.get('/b', { scope: 'orders:write' });
    await orders.get('/c', { scope: 's1' });
    expect(orders.tokenFetches).toBe(3);
    expect(new Set(tokensSeen()).size).toBe(3);
  });

  it('turns a failing token endpoint into a 502 ServiceCallError and a security event, without calling the downstream', async () => {
    const events: SecurityEvent[] = [];
    const stop = subscribeSecurityEvents((event) => events.push(event));
    const orders = await client({
      AUTH_TOKEN_URL: idp.tokenUrl,
      AUTH_CLIENT_ID: KEY_CLIENT_ID,
      AUTH_CLIENT_KEY_FILE: keyFile,
    });
    idp.failTokens(true);
    try {
      const error = await orders.get('/x').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServiceCallError);
      expect((error as ServiceCallError).getStatus()).toBe(502);
      expect((error as ServiceCallError).code).toBe('token');
      expect(downstream.hits).toBe(0);
      expect(events).toContainEqual(
        expect.objectContaining({
          kind: 'authentication.failed',
          reason: 'token_endpoint_failed',
          details: { client: 'orders', error: 'http_500' },
        }),
      );
    } finally {
      idp.failTokens(false);
      stop();
    }
  });

  it('refuses a wrong client secret as a token failure naming invalid_client', async () => {
    const wrong = join(dir, 'wrong-secret');
    writeFileSync(wrong, 'not-the-secret');
    const orders = await client({
      AUTH_TOKEN_URL: idp.tokenUrl,
      AUTH_CLIENT_ID: SECRET_CLIENT_ID,
      AUTH_CLIENT_SECRET_FILE: wrong,
    });
    const error = (await orders.get('/x').catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.code).toBe('token');
    expect(error.message).toBe('orders: the token endpoint failed (invalid_client)');
    expect(downstream.hits).toBe(0);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createServiceClient,
  ServiceCallError,
  type ServiceClient,
  type ServiceClientOptions,
} from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';

/** The service's own client at the test issuer's token endpoint. */
const EXCHANGE_CLIENT_ID = 'notes-service';
const EXCHANGE_CLIENT_SECRET = 'exchange-secret-for-the-tests-only';

const ORDERS = 'https://orders.test';

/** The incoming request a handler got: only its headers matter to the client. */
function incoming(headers: Record<string, string>): IncomingMessage {
  return { headers, socket: undefined } as unknown as IncomingMessage;
}

describe('tokens for the call', () => {
  let issuer: TestIssuer;
  let downstream: Downstream;
  let dir: string;
  let secretFile: string;
  let answer401 = 0;
  const clients: ServiceClient[] = [];

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'https://notes.test' });
    issuer.registerClient({ clientId: EXCHANGE_CLIENT_ID, secret: EXCHANGE_CLIENT_SECRET });
    downstream = await startDownstream((_, response) => {
      if (answer401 > 0) {
        answer401 -= 1;
        return json(
          response,
          401,
          { error: 'invalid_token' },
          {
            'www-authenticate': 'Bearer error="invalid_token"',
          },
        );
      }
      json(response, 200, { ok: true });
    });
    dir = mkdtempSync(join(tmpdir(), 'bulwark-client-'));
    secretFile = join(dir, 'secret');
    writeFileSync(secretFile, EXCHANGE_CLIENT_SECRET);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    downstream.seen.length = 0;
    issuer.resetCounters();
    issuer.registerClient({ clientId: EXCHANGE_CLIENT_ID, secret: EXCHANGE_CLIENT_SECRET });
    issuer.failTokens(undefined);
    answer401 = 0;
  });
  afterAll(async () => {
    await downstream.close();
    await issuer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function client(options: Partial<ServiceClientOptions>): Promise<ServiceClient> {
    const created = await createServiceClient({
      name: 'orders',
      baseUrl: downstream.url,
      audience: ORDERS,
      env: {
        AUTH_TOKEN_URL: issuer.tokenUrl,
        AUTH_CLIENT_ID: EXCHANGE_CLIENT_ID,
        AUTH_CLIENT_SECRET_FILE: secretFile,
      },
      retry: { attempts: 0 },
      ...options,
    });
    clients.push(created);
    return created;
  }
  const sentTokens = () =>
    downstream.seen.map((request) => (request.headers.authorization ?? '').replace(/^Bearer /, ''));

  describe('tokenExchange', () => {
    it('exchanges the user token for one with the downstream audience, the user as subject and this service as actor', async () => {
      const orders = await client({ auth: { kind: 'tokenExchange', scope: 'orders:read' } });
      const user = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read orders:read' } });
      await orders.get('/orders', { request: incoming({ authorization: `Bearer ${user}` }) });
      const claims = decodeJwt(sentTokens()[0] ?? '');
      expect(claims).toMatchObject({
        sub: 'alice',
        aud: ORDERS,
        scope: 'orders:read',
        act: { sub: EXCHANGE_CLIENT_ID },
      });
      expect(issuer.tokenRequests[0]?.parameters).toMatchObject({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: user,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: ORDERS,
        resource: ORDERS,
      });
      expect(sentTokens()[0]).not.toBe(user);
    });

    it('caches the exchanged token per incoming token', async () => {
      const orders = await client({ auth: { kind: 'tokenExchange' } });
      const alice = issuer.mint({ claims: { sub: 'alice' } });
      const bob = issuer.mint({ claims: { sub: 'bob' } });
      for (const token of [alice, alice, bob, alice, bob]) {
        await orders.get('/x', { request: incoming({ authorization: `Bearer ${token}` }) });
      }
      expect(issuer.tokenRequests).toHaveLength(2);
      expect(sentTokens().map((token) => decodeJwt(token).sub)).toEqual([
        'alice',
        'alice',
        'bob',
        'alice',
        'bob',
      ]);
    });

    it('refuses to pass on a DPoP-bound request, before any grant or call', async () => {
      const orders = await client({ auth: { kind: 'tokenExchange' } });
      const user = issuer.mint();
      const error = (await orders
        .get('/x', { request: incoming({ authorization: `DPoP ${user}`, dpop: 'proof' }) })
        .catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error.code).toBe('no_incoming_token');
      expect(issuer.tokenRequests).toHaveLength(0);
      expect(downstream.hits).toBe(0);
    });
  });

  describe('propagate', () => {
    it('forwards the incoming token when its aud includes the client audience', async () => {
      const orders = await client({ auth: { kind: 'propagate' } });
      const user = issuer.mint({ claims: { aud: ['https://notes.test', ORDERS] } });
      await orders.get('/x', { request: incoming({ authorization: `Bearer ${user}` }) });
      expect(sentTokens()).toEqual([user]);
    });

    it('refuses before sending when the audiences do not match, naming them', async () => {
      const orders = await client({ auth: { kind: 'propagate' } });
      const user = issuer.mint({ claims: { aud: ['https://notes.test', 'https://billing.test'] } });
      const error = (await orders
        .get('/x', { request: incoming({ authorization: `Bearer ${user}` }) })
        .catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error).toBeInstanceOf(ServiceCallError);
      expect(error.code).toBe('audience_mismatch');
      expect(error.message).toBe(
        "orders: the incoming token's audiences [https://notes.test, https://billing.test] do not include https://orders.test; it is not forwarded",
      );
      expect(downstream.hits).toBe(0);
    });

    it('refuses a call made without the incoming request', async () => {
      const orders = await client({ auth: { kind: 'propagate' } });
      const error = (await orders.get('/x').catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error.code).toBe('no_incoming_token');
      expect(downstream.hits).toBe(0);
    });
  });

  describe('clientCredentials', () => {
    it('refreshes at 80 % of the lifetime in the background, and fetches anew after expiry', async () => {
      let now = 1_000_000;
      const orders = await client({ auth: { kind: 'clientCredentials' }, now: () => now });
      issuer.registerClient({
        clientId: EXCHANGE_CLIENT_ID,
        secret: EXCHANGE_CLIENT_SECRET,
        tokenTtlSeconds: 100,
      });
      await orders.get('/x');
      now += 70_000;
      await orders.get('/x');
      expect(issuer.tokenRequests).toHaveLength(1);
      // Past 80 % (minus up to 5 % jitter): the cached token still goes out, a new one is fetched.
      now += 11_000;
      await orders.get('/x');
      await expect.poll(() => issuer.tokenRequests.length).toBe(2);
      await orders.get('/x');
      const tokens = sentTokens();
      expect(tokens[2]).toBe(tokens[0]);
      expect(tokens[3]).not.toBe(tokens[0]);
      now += 200_000;
      await orders.get('/x');
      expect(issuer.tokenRequests).toHaveLength(3);
    });

    it('fetches a new token once after a 401 invalid_token and repeats the call', async () => {
      const orders = await client({ auth: { kind: 'clientCredentials' } });
      answer401 = 1;
      expect(await orders.post('/orders', { a: 1 })).toEqual({ ok: true });
      expect(issuer.tokenRequests).toHaveLength(2);
      const tokens = sentTokens();
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).not.toBe(tokens[0]);
    });

    it('gives up after the second 401 with our 502', async () => {
      const orders = await client({ auth: { kind: 'clientCredentials' } });
      answer401 = 5;
      const error = (await orders.get('/x').catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error.getStatus()).toBe(502);
      expect(error.downstreamStatus).toBe(401);
      expect(downstream.hits).toBe(2);
    });

    it('authenticates with private_key_jwt, each token request with a fresh assertion the endpoint verifies', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      issuer.registerClient({ clientId: 'orders-caller-key', publicKey });
      const keyFile = join(dir, 'client-key.pem');
      writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      let now = Date.now();
      const orders = await client({
        auth: { kind: 'clientCredentials' },
        env: {
          AUTH_TOKEN_URL: issuer.tokenUrl,
          AUTH_CLIENT_ID: 'orders-caller-key',
          AUTH_CLIENT_KEY_FILE: keyFile,
        },
        now: () => now,
      });
      await orders.get('/x');
      now += 400_000;
      await orders.get('/x');
      const exchanging = await client({
        auth: { kind: 'tokenExchange' },
        env: {
          AUTH_TOKEN_URL: issuer.tokenUrl,
          AUTH_CLIENT_ID: 'orders-caller-key',
          AUTH_CLIENT_KEY_FILE: keyFile,
        },
      });
      const user = issuer.mint({ claims: { sub: 'alice' } });
      await exchanging.get('/x', { request: incoming({ authorization: `Bearer ${user}` }) });
      expect(
        issuer.tokenRequests.map(({ authMethod, clientId, status }) => ({
          authMethod,
          clientId,
          status,
        })),
      ).toEqual(
        Array(3).fill({
          authMethod: 'private_key_jwt',
          clientId: 'orders-caller-key',
          status: 200,
        }),
      );
      const jtis = issuer.tokenRequests.map(
        (request) => decodeJwt(request.parameters.client_assertion ?? '').jti,
      );
      expect(new Set(jtis).size).toBe(3);
      expect(decodeJwt(sentTokens()[2] ?? '')).toMatchObject({
        sub: 'alice',
        act: { sub: 'orders-caller-key' },
      });
    });

    it('gets a DPoP-bound token after the endpoint asks for its nonce, with a fresh assertion on the retry', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      issuer.registerClient({ clientId: 'orders-caller-dpop', publicKey });
      const keyFile = join(dir, 'client-dpop-key.pem');
      writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      issuer.requireDpopNonce('endpoint-nonce-1');
      try {
        const orders = await client({
          auth: { kind: 'clientCredentials', dpop: true },
          env: {
            AUTH_TOKEN_URL: issuer.tokenUrl,
            AUTH_CLIENT_ID: 'orders-caller-dpop',
            AUTH_CLIENT_KEY_FILE: keyFile,
          },
        });
        await orders.get('/x');
      } finally {
        issuer.requireDpopNonce(undefined);
      }
      expect(
        issuer.tokenRequests.map(({ status, error, clientId }) => ({ status, error, clientId })),
      ).toEqual([
        { status: 400, error: 'use_dpop_nonce', clientId: 'orders-caller-dpop' },
        { status: 200, error: undefined, clientId: 'orders-caller-dpop' },
      ]);
      const [first, second] = issuer.tokenRequests.map(
        (request) => decodeJwt(request.parameters.client_assertion ?? '').jti,
      );
      expect(second).not.toBe(first);
      const authorization = downstream.seen[0]?.headers.authorization ?? '';
      expect(authorization).toMatch(/^DPoP /);
      const claims = decodeJwt(authorization.slice('DPoP '.length));
      expect(claims.cnf).toEqual({ jkt: issuer.tokenRequests[1]?.dpopJkt });
    });

    it('reports invalid_client from the token endpoint as a token failure', async () => {
      const orders = await client({ auth: { kind: 'clientCredentials' } });
      issuer.failTokens('invalid_client');
      const error = (await orders.get('/x').catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error.code).toBe('token');
      expect(error.message).toBe('orders: the token endpoint failed (invalid_client)');
      expect(downstream.hits).toBe(0);
    });
  });
});

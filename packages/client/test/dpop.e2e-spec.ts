import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, type ServiceClient } from '../src/index.js';
import { type Downstream, json, type SeenRequest, startDownstream } from './support/downstream.js';
import {
  type IdentityProvider,
  KEY_CLIENT_ID,
  ORDERS_AUDIENCE,
  startIdentityProvider,
} from './support/identity-provider.js';

async function checkProof(request: SeenRequest, url: string) {
  const authorization = request.headers.authorization ?? '';
  expect(authorization).toMatch(/^DPoP /);
  const token = authorization.slice('DPoP '.length);
  const proof = String(request.headers.dpop);
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
  expect(payload).toMatchObject({
    htm: request.method,
    htu: url,
    ath: createHash('sha256').update(token).digest('base64url'),
  });
  const claims = decodeJwt(token) as { cnf?: { jkt?: string } };
  expect(claims.cnf?.jkt).toBe(await calculateJwkThumbprint(protectedHeader.jwk as JWK));
  return payload;
}

describe.each([false, true])('DPoP-bound tokens (server nonce required: %s)', (requireNonce) => {
  let idp: IdentityProvider;
  let downstream: Downstream;
  let dir: string;
  let keyFile: string;
  let challengeNext = false;
  const clients: ServiceClient[] = [];

  beforeAll(async () => {
    idp = await startIdentityProvider({ requireDpopNonce: requireNonce });
    downstream = await startDownstream((_, response) => {
      if (challengeNext) {
        challengeNext = false;
        return json(
          response,
          401,
          { error: 'use_dpop_nonce' },
          {
            'www-authenticate': 'DPoP error="use_dpop_nonce"',
            'dpop-nonce': 'resource-nonce-1',
          },
        );
      }
      json(response, 200, { ok: true });
    });
    dir = mkdtempSync(join(tmpdir(), 'bulwark-client-dpop-'));
    keyFile = join(dir, 'client-key.json');
    writeFileSync(keyFile, JSON.stringify(idp.clientPrivateJwk));
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

  async function client(): Promise<ServiceClient> {
    const created = await createServiceClient({
      name: 'orders',
      baseUrl: `${downstream.url}/v1/`,
      audience: ORDERS_AUDIENCE,
      auth: { kind: 'clientCredentials', scope: 'orders:read', dpop: true },
      env: {
        AUTH_TOKEN_URL: idp.tokenUrl,
        AUTH_CLIENT_ID: KEY_CLIENT_ID,
        AUTH_CLIENT_KEY_FILE: keyFile,
      },
      retry: { attempts: 0 },
    });
    clients.push(created);
    return created;
  }

  it('gets a token bound to its key and sends a fresh proof with every call', async () => {
    const before = idp.tokenRequests;
    const orders = await client();
    await orders.get('/orders', { query: { page: 2 } });
    await orders.post('/orders', { item: 'book' });
    // With a required nonce, the first token request is refused with use_dpop_nonce and
    // repeated once, with a new proof and a new client assertion.
    expect(idp.tokenRequests - before).toBe(requireNonce ? 2 : 1);
    const [first, second] = downstream.seen as [SeenRequest, SeenRequest];
    const one = await checkProof(first, `${downstream.url}/v1/orders`);
    const two = await checkProof(second, `${downstream.url}/v1/orders`);
    expect(one.jti).not.toBe(two.jti);
  });

  it('answers the downstream’s use_dpop_nonce once, with its nonce in the proof', async () => {
    const orders = await client();
    challengeNext = true;
    expect(await orders.get('/x')).toEqual({ ok: true });
    expect(downstream.seen).toHaveLength(2);
    const retried = await checkProof(downstream.seen[1] as SeenRequest, `${downstream.url}/v1/x`);
    expect(retried.nonce).toBe('resource-nonce-1');
  });
});

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from './test-issuer.js';

describe('createTestIssuer', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'orders-api' });
  });
  afterAll(() => issuer.close());

  it.each(['ES256', 'RS256', 'EdDSA'] as const)(
    'mints %s tokens that jose verifies over its JWKS',
    async (alg) => {
      const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
      const token = issuer.mint({ alg, claims: { scope: 'notes:read' } });
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: issuer.issuer,
        audience: 'orders-api',
        typ: 'at+jwt',
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload).toMatchObject({ sub: 'alice', scope: 'notes:read', iss: issuer.issuer });
    },
  );

  it('leaves out claims and header members set to undefined', () => {
    const token = issuer.mint({
      claims: { exp: undefined },
      header: { typ: undefined, jku: 'http://x' },
    });
    const [header = '', payload = ''] = token.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).not.toHaveProperty('exp');
    const decoded = JSON.parse(Buffer.from(header, 'base64url').toString());
    expect(decoded).not.toHaveProperty('typ');
    expect(decoded.jku).toBe('http://x');
  });

  it('serves discovery pointing at its JWKS', async () => {
    const response = await fetch(issuer.discoveryUrl);
    expect(await response.json()).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: issuer.jwksUrl,
    });
  });

  it('counts JWKS hits, rotates keys and retires them', async () => {
    issuer.resetCounters();
    const fresh = issuer.publish('ES256');
    const token = issuer.mint();
    expect(decodeProtectedHeader(token).kid).toBe(fresh.kid);

    let body = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(body.keys.map((key) => key.kid)).toContain(fresh.kid);
    issuer.retire(fresh.kid);
    body = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(body.keys.map((key) => key.kid)).not.toContain(fresh.kid);
    expect(issuer.jwksHits).toBe(2);
    expect(issuer.requests).toEqual(['/.well-known/jwks.json', '/.well-known/jwks.json']);
  });

  it('simulates an outage and recovers', async () => {
    issuer.fail(503);
    expect((await fetch(issuer.jwksUrl)).status).toBe(503);
    issuer.fail(undefined);
    expect((await fetch(issuer.jwksUrl)).status).toBe(200);
  });
});

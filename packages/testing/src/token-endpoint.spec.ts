import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey, createDpopProof } from './dpop.js';
import { signCompact } from './jws.js';
import { createTestIssuer, type TestIssuer } from './test-issuer.js';

const SECRET_CLIENT = 'notes-service';
const SECRET = 'a secret: with/odd+chars';
const KEY_CLIENT = 'orders-caller';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 6749 §2.3.1: form-urlencode id and secret, then Basic. */
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('the test issuer token endpoint', () => {
  let now = 1_900_000_000_000;
  let issuer: TestIssuer;
  let clientKey: KeyObject;
  let otherKey: KeyObject;

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'https://default.test', clock: () => now });
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    clientKey = pair.privateKey;
    otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    issuer.registerClient({ clientId: SECRET_CLIENT, secret: SECRET });
    issuer.registerClient({
      clientId: KEY_CLIENT,
      publicKey: pair.publicKey.export({ format: 'jwk' }),
      tokenTtlSeconds: 120,
    });
  });
  afterEach(() => {
    issuer.failTokens(undefined);
    issuer.delayTokens(0);
    issuer.requireDpopNonce(undefined);
    issuer.resetCounters();
  });
  afterAll(() => issuer.close());

  const seconds = () => Math.floor(now / 1000);

  async function token(
    parameters: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(issuer.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(parameters),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      headers: response.headers,
    };
  }

  function assertion(claims: JWTPayload = {}, key: KeyObject = clientKey, alg = 'ES256') {
    return new SignJWT({
      iss: KEY_CLIENT,
      sub: KEY_CLIENT,
      aud: issuer.tokenUrl,
      jti: randomUUID(),
      iat: seconds(),
      exp: seconds() + 60,
      ...claims,
    })
      .setProtectedHeader({ alg })
      .sign(key);
  }
  const withAssertion = async (jwt: string | Promise<string>, extra = {}) =>
    token({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await jwt,
      ...extra,
    });

  async function verified(accessToken: unknown) {
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(String(accessToken), jwks, {
      issuer: issuer.issuer,
      typ: 'at+jwt',
      currentDate: new Date(now),
    });
    return { payload, protectedHeader };
  }

  it('is announced in the discovery document', async () => {
    const discovery = (await (await fetch(issuer.discoveryUrl)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      token_endpoint: issuer.tokenUrl,
      grant_types_supported: ['client_credentials', EXCHANGE],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    });
    expect(issuer.tokenUrl).toBe(`${issuer.issuer}/token`);
  });

  describe('client_credentials with client_secret_basic', () => {
    it('issues a signed token for the client with the asked resource and scope', async () => {
      const answer = await token(
        { grant_type: 'client_credentials', scope: 'orders:read', resource: 'https://orders.test' },
        { authorization: basic(SECRET_CLIENT, SECRET) },
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'orders:read',
      });
      const { payload } = await verified(answer.body.access_token);
      expect(payload).toMatchObject({
        sub: SECRET_CLIENT,
        client_id: SECRET_CLIENT,
        aud: 'https://orders.test',
        scope: 'orders:read',
        exp: seconds() + 300,
      });
      expect(payload.cnf).toBeUndefined();
      expect(issuer.tokenRequests).toMatchObject([
        {
          grantType: 'client_credentials',
          authMethod: 'client_secret_basic',
          clientId: SECRET_CLIENT,
          status: 200,
          error: undefined,
        },
      ]);
    });

    it('gives the issuer audience when none is asked for', async () => {
      const answer = await token(
        { grant_type: 'client_credentials' },
        { authorization: basic(SECRET_CLIENT, SECRET) },
      );
      expect(decodeJwt(String(answer.body.access_token)).aud).toBe('https://default.test');
    });

    it.each([
      ['a wrong secret', basic(SECRET_CLIENT, 'wrong'), `wrong secret for client ${SECRET_CLIENT}`],
      ['an unknown client', basic('nobody', SECRET), 'unknown client nobody'],
      [
        'a client registered for private_key_jwt',
        basic(KEY_CLIENT, SECRET),
        `client ${KEY_CLIENT} is registered for private_key_jwt`,
      ],
      ['malformed credentials', 'Basic !!!', 'malformed Basic credentials'],
    ])('refuses %s with 401 invalid_client', async (_, authorization, description) => {
      const answer = await token({ grant_type: 'client_credentials' }, { authorization });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: 'invalid_client', error_description: description });
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="bulwark-test"');
    });

    it('refuses a request with no client authentication', async () => {
      const answer = await token({ grant_type: 'client_credentials', client_id: SECRET_CLIENT });
      expect(answer.status).toBe(401);
      expect(answer.body.error_description).toBe('no client authentication');
    });

    it('refuses an unknown grant type', async () => {
      const answer = await token(
        { grant_type: 'password', username: 'alice', password: 'x' },
        { authorization: basic(SECRET_CLIENT, SECRET) },
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'unsupported_grant_type',
        error_description: 'grant_type password is not supported',
      });
    });
  });

  describe('client_credentials with private_key_jwt', () => {
    it('issues a token for a fresh assertion, with the client lifetime', async () => {
      const answer = await withAssertion(assertion(), { scope: 's1' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ expires_in: 120, scope: 's1' });
      const { payload } = await verified(answer.body.access_token);
      expect(payload).toMatchObject({ sub: KEY_CLIENT, exp: seconds() + 120 });
      expect(issuer.tokenRequests[0]).toMatchObject({
        authMethod: 'private_key_jwt',
        clientId: KEY_CLIENT,
      });
    });

    it('takes the issuer identifier as the assertion audience too (RFC 7523 §3)', async () => {
      const answer = await withAssertion(assertion({ aud: issuer.issuer }));
      expect(answer.status).toBe(200);
    });

    it('refuses a second use of the same jti', async () => {
      const jti = randomUUID();
      expect((await withAssertion(assertion({ jti }))).status).toBe(200);
      const replay = await withAssertion(assertion({ jti }));
      expect(replay.status).toBe(401);
      expect(replay.body).toEqual({
        error: 'invalid_client',
        error_description: 'client assertion jti was already used',
      });
    });

    const aud = `must be the token endpoint`;
    it.each<[string, () => Promise<string>, string]>([
      [
        'signed by another key',
        () => assertion({}, otherKey),
        'client assertion signature does not verify with the registered key',
      ],
      [
        'with an alg the key does not have',
        async () => {
          const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
          return assertion({}, rsa, 'RS256');
        },
        'client assertion signature does not verify with the registered key',
      ],
      [
        'with alg none',
        async () =>
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
            JSON.stringify({
              iss: KEY_CLIENT,
              sub: KEY_CLIENT,
              aud: issuer.tokenUrl,
              exp: seconds() + 60,
              jti: randomUUID(),
            }),
          ).toString('base64url')}.`,
        'client assertion signature does not verify with the registered key',
      ],
      ['for another audience', () => assertion({ aud: 'https://elsewhere.test/token' }), aud],
      ['expired', () => assertion({ exp: seconds() - 1 }), 'client assertion has expired'],
      ['without exp', () => assertion({ exp: undefined }), 'client assertion has no exp'],
      ['without jti', () => assertion({ jti: undefined }), 'client assertion has no jti'],
      [
        'issued in the future',
        () => assertion({ iat: seconds() + 3600, exp: seconds() + 3660 }),
        'client assertion is issued in the future (iat)',
      ],
      [
        'whose iss is not its sub',
        () => assertion({ iss: 'someone-else' }),
        'client assertion iss and sub must both be the client_id',
      ],
      [
        'of a client registered for a secret',
        () => assertion({ iss: SECRET_CLIENT, sub: SECRET_CLIENT }),
        `client ${SECRET_CLIENT} is registered for client_secret_basic`,
      ],
      ['that is not a JWT', async () => 'not-a-jwt', 'client_assertion is not a compact JWT'],
    ])('refuses an assertion %s', async (_, make, description) => {
      const answer = await withAssertion(make());
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(String(answer.body.error_description)).toContain(description);
      expect(issuer.tokenRequests[0]?.clientId).toBeUndefined();
    });

    it('refuses an assertion that is still unexpired when the clock moves past exp', async () => {
      const jwt = await assertion({ exp: seconds() + 30 });
      now += 31_000;
      const answer = await withAssertion(jwt);
      expect(answer.body.error_description).toBe('client assertion has expired');
    });

    it('refuses Basic and an assertion together (RFC 6749 §2.3)', async () => {
      const answer = await token(
        {
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(),
        },
        { authorization: basic(SECRET_CLIENT, SECRET) },
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'more than one client authentication method',
      });
    });
  });

  describe('token exchange (RFC 8693)', () => {
    const exchange = (subject: string, extra: Record<string, string> = {}) =>
      token(
        {
          grant_type: EXCHANGE,
          subject_token: subject,
          subject_token_type: ACCESS_TOKEN,
          audience: 'https://orders.test',
          ...extra,
        },
        { authorization: basic(SECRET_CLIENT, SECRET) },
      );

    it('issues a token for the user as subject and the client as actor', async () => {
      const user = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read orders:read' } });
      const answer = await exchange(user, { scope: 'orders:read' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        issued_token_type: ACCESS_TOKEN,
        token_type: 'Bearer',
        scope: 'orders:read',
      });
      const { payload } = await verified(answer.body.access_token);
      expect(payload).toMatchObject({
        sub: 'alice',
        aud: 'https://orders.test',
        scope: 'orders:read',
        client_id: SECRET_CLIENT,
        act: { sub: SECRET_CLIENT },
      });
    });

    it('keeps the subject scope when none is asked, and nests a prior actor', async () => {
      const user = issuer.mint({
        claims: { sub: 'alice', scope: 'notes:read', act: { sub: 'gateway' } },
      });
      const { payload } = await verified((await exchange(user)).body.access_token);
      expect(payload).toMatchObject({
        scope: 'notes:read',
        act: { sub: SECRET_CLIENT, act: { sub: 'gateway' } },
      });
    });

    it.each<[string, () => string]>([
      [
        'signed by a key this issuer does not have',
        () =>
          signCompact(
            { alg: 'ES256', typ: 'at+jwt', kid: issuer.keys[0]?.kid },
            { iss: issuer.issuer, sub: 'mallory', exp: seconds() + 60 },
            'ES256',
            otherKey,
          ),
      ],
      ['expired', () => issuer.mint({ now: seconds() - 600, ttlSeconds: 60 })],
      ['of another issuer', () => issuer.mint({ claims: { iss: 'https://evil.test' } })],
      ['missing', () => ''],
    ])('refuses a subject token %s with invalid_grant', async (_, subject) => {
      const answer = await exchange(subject());
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_grant',
        error_description: 'subject_token is not a valid, unexpired token of this issuer',
      });
    });

    it('refuses an unknown subject_token_type', async () => {
      const answer = await exchange(issuer.mint(), {
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    });

    it('authenticates the exchanging client first', async () => {
      const answer = await token(
        { grant_type: EXCHANGE, subject_token: issuer.mint(), subject_token_type: ACCESS_TOKEN },
        { authorization: basic(SECRET_CLIENT, 'wrong') },
      );
      expect(answer.status).toBe(401);
    });
  });

  describe('DPoP-bound issuance (RFC 9449 §5)', () => {
    const dpopKey = createDpopKey();
    const proof = (options: Partial<Parameters<typeof createDpopProof>[1]> = {}) =>
      createDpopProof(dpopKey, {
        method: 'POST',
        url: issuer.tokenUrl,
        now: seconds(),
        ...options,
      });
    const grant = (dpop: string) =>
      token(
        { grant_type: 'client_credentials' },
        { authorization: basic(SECRET_CLIENT, SECRET), dpop },
      );

    it('binds the token to the proof key with cnf.jkt and token_type DPoP', async () => {
      const answer = await grant(proof());
      expect(answer.status).toBe(200);
      expect(answer.body.token_type).toBe('DPoP');
      const { payload } = await verified(answer.body.access_token);
      expect(payload.cnf).toEqual({ jkt: dpopKey.jkt });
      expect(issuer.tokenRequests[0]?.dpopJkt).toBe(dpopKey.jkt);
    });

    it.each<[string, () => string, string]>([
      ['for another URL', () => proof({ url: `${issuer.issuer}/other` }), 'htu'],
      ['for another method', () => proof({ method: 'GET' }), 'the DPoP proof htm must be POST'],
      [
        'an hour old',
        () => proof({ now: seconds() - 3600 }),
        'the DPoP proof iat is missing or too far from now',
      ],
      [
        'with a wrong typ',
        () => proof({ header: { typ: 'JWT' } }),
        'the DPoP proof typ must be dpop+jwt',
      ],
      [
        'with a private key in the header',
        () => proof({ header: { jwk: dpopKey.privateJwk } }),
        'the DPoP proof jwk holds a private key',
      ],
    ])('refuses a proof %s', async (_, make, description) => {
      const answer = await grant(make());
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_dpop_proof');
      expect(String(answer.body.error_description)).toContain(description);
    });

    it('refuses a replayed proof', async () => {
      const once = proof();
      expect((await grant(once)).status).toBe(200);
      const replay = await grant(once);
      expect(replay.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'the DPoP proof jti was already used',
      });
    });

    it('asks for its nonce with use_dpop_nonce, then takes a proof that carries it', async () => {
      issuer.requireDpopNonce('n-1');
      const first = await grant(proof());
      expect(first.status).toBe(400);
      expect(first.body.error).toBe('use_dpop_nonce');
      expect(first.headers.get('dpop-nonce')).toBe('n-1');
      expect((await grant(proof({ nonce: 'n-1' }))).status).toBe(200);
    });
  });

  describe('error modes', () => {
    const grant = () =>
      token({ grant_type: 'client_credentials' }, { authorization: basic(SECRET_CLIENT, SECRET) });

    it('answers 500 server_error when set to, and recovers', async () => {
      issuer.failTokens(500);
      const failed = await grant();
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ error: 'server_error' });
      issuer.failTokens(undefined);
      expect((await grant()).status).toBe(200);
      expect(issuer.tokenRequests.map((request) => request.status)).toEqual([500, 200]);
    });

    it('refuses every client with invalid_client when set to', async () => {
      issuer.failTokens('invalid_client');
      const failed = await grant();
      expect(failed.status).toBe(401);
      expect(failed.body.error).toBe('invalid_client');
    });

    it('holds its answer back while slow, the request already recorded as decided', async () => {
      issuer.delayTokens(60_000);
      const abort = new AbortController();
      let settled = false;
      const pending = fetch(issuer.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(SECRET_CLIENT, SECRET),
        },
        body: 'grant_type=client_credentials',
        signal: abort.signal,
      }).finally(() => {
        settled = true;
      });
      await expect.poll(() => issuer.tokenRequests[0]?.status).toBe(200);
      // A later request, no longer delayed, is answered while the slow one is still held.
      issuer.delayTokens(0);
      expect((await grant()).status).toBe(200);
      expect(settled).toBe(false);
      abort.abort();
      await expect(pending).rejects.toThrow();
    });
  });

  describe('registerClient', () => {
    it('needs exactly one of secret and publicKey', () => {
      expect(() => issuer.registerClient({ clientId: 'x' })).toThrow(
        new TypeError(
          'registerClient(x): give exactly one of secret (client_secret_basic) and publicKey (private_key_jwt)',
        ),
      );
      expect(() =>
        issuer.registerClient({ clientId: 'x', secret: 's', publicKey: clientKey }),
      ).toThrow(TypeError);
    });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { createKey, signCompact } from '@bulwark/testing/tokens';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clockedVerifier, payloadOf, reasonOf } from '../../test/helpers.js';
import { TokenVerifier } from '../exports/verifier.js';

describe('key sources', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());
  afterEach(() => {
    issuer.fail(undefined);
    issuer.resetCounters();
  });

  describe('when the keys come from a remote JWKS', () => {
    const setup = async () => {
      const { clock, verifier } = await clockedVerifier(issuer, {
        jwksCooldownSeconds: 30,
        jwksMaxAgeSeconds: 600,
        cache: false,
      });
      issuer.resetCounters();
      return { clock, verifier };
    };
    const rogueTokens = (count: number, now: number) => {
      const rogue = createKey('ES256');
      const claims = payloadOf(issuer.mint({ now }));
      return Array.from({ length: count }, (_, index) =>
        signCompact(
          { alg: 'ES256', typ: 'at+jwt', kid: `made-up-${index}` },
          claims,
          'ES256',
          rogue.privateKey,
        ),
      );
    };

    it('refetches at most once per cooldown during an unknown-kid flood', async () => {
      const { clock, verifier } = await setup();
      const reasons = await Promise.all(
        rogueTokens(100, clock.seconds()).map((t) => reasonOf(verifier.verify(t))),
      );
      expect(new Set(reasons)).toEqual(new Set(['unknown_key']));
      expect(issuer.jwksHits).toBe(0);
      clock.advance(31);
      await Promise.all(rogueTokens(100, clock.seconds()).map((t) => reasonOf(verifier.verify(t))));
      expect(issuer.jwksHits).toBe(1);
    });

    it('accepts a rotated-in key after the cooldown', async () => {
      const { clock, verifier } = await setup();
      const fresh = issuer.publish('ES256');
      const token = () => issuer.mint({ kid: fresh.kid, now: clock.seconds() });
      expect(await reasonOf(verifier.verify(token()))).toBe('unknown_key');
      expect(issuer.jwksHits).toBe(0);
      clock.advance(31);
      expect(await reasonOf(verifier.verify(token()))).toBe('accepted');
      expect(issuer.jwksHits).toBe(1);
      issuer.retire(fresh.kid);
    });

    it('keeps fetched keys working while the JWKS endpoint fails, and stays ready', async () => {
      const { clock, verifier } = await setup();
      issuer.fail(503);
      clock.advance(700);
      for (let round = 0; round < 3; round += 1) {
        expect(await reasonOf(verifier.verify(issuer.mint({ now: clock.seconds() })))).toBe(
          'accepted',
        );
      }
      expect(issuer.jwksHits).toBe(1);
      expect(verifier.readiness()).toEqual({ ready: true });
    });

    it('is not ready, and says why, until keys have loaded', async () => {
      issuer.fail(503);
      const { clock, verifier } = await clockedVerifier(issuer);
      expect(verifier.readiness()).toMatchObject({ ready: false });
      expect(verifier.readiness().detail).toContain('503');
      const error = await verifier.verify(issuer.mint({ now: clock.seconds() })).catch((e) => e);
      expect(error).toMatchObject({ code: 'AUTH_KEYS_UNAVAILABLE', reason: 'keys_unavailable' });
      issuer.fail(undefined);
      clock.advance(31);
      expect(await reasonOf(verifier.verify(issuer.mint({ now: clock.seconds() })))).toBe(
        'accepted',
      );
      expect(verifier.readiness()).toEqual({ ready: true });
    });

    it('finds the JWKS through OpenID discovery', async () => {
      const verifier = new TokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        discovery: true,
      });
      expect(await reasonOf(verifier.verify(issuer.mint()))).toBe('accepted');
      expect(issuer.requests).toEqual([
        '/.well-known/openid-configuration',
        '/.well-known/jwks.json',
      ]);
    });
  });

  describe('when the keys are static', () => {
    it('verifies with a JWKS object and with PEM keys', async () => {
      const es = issuer.keys.find((key) => key.alg === 'ES256');
      const rs = issuer.keys.find((key) => key.alg === 'RS256');
      const fromJwks = new TokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwks: { keys: [es?.publicJwk as never] },
      });
      expect(await reasonOf(fromJwks.verify(issuer.mint({ alg: 'ES256' })))).toBe('accepted');
      const fromPem = new TokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        publicKeys: [
          {
            pem: rs?.publicKey.export({ type: 'spki', format: 'pem' }) as string,
            alg: 'RS256',
            kid: rs?.kid as string,
          },
        ],
      });
      expect(await reasonOf(fromPem.verify(issuer.mint({ alg: 'RS256' })))).toBe('accepted');
      expect(await reasonOf(fromPem.verify(issuer.mint({ alg: 'ES256' })))).toBe('unknown_key');
      expect(issuer.jwksHits).toBe(0);
    });

    it('verifies HS256 with a long secret, and nothing else', async () => {
      const secret = 's'.repeat(32);
      const verifier = new TokenVerifier({
        issuer: 'hs',
        audience: 'api',
        secret,
        algorithms: ['HS256'],
      });
      const claims = { iss: 'hs', aud: 'api', sub: 'svc', exp: Math.floor(Date.now() / 1000) + 60 };
      const good = signCompact(
        { alg: 'HS256', typ: 'at+jwt' },
        claims,
        'HS256',
        Buffer.from(secret),
      );
      expect(await reasonOf(verifier.verify(good))).toBe('accepted');
      const wrong = signCompact(
        { alg: 'HS256', typ: 'at+jwt' },
        claims,
        'HS256',
        Buffer.from('t'.repeat(32)),
      );
      expect(await reasonOf(verifier.verify(wrong))).toBe('signature_invalid');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const es = signCompact({ alg: 'ES256', typ: 'at+jwt' }, claims, 'ES256', privateKey);
      expect(await reasonOf(verifier.verify(es))).toBe('algorithm_not_allowed');
    });
  });

  describe('when several issuers are trusted', () => {
    it('checks each token against its own issuer keys and audience', async () => {
      const other = await createTestIssuer({ audience: 'other-api' });
      try {
        const verifier = new TokenVerifier({
          issuers: [
            { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
            { issuer: other.issuer, audience: 'other-api', jwksUri: other.jwksUrl },
          ],
        });
        expect((await verifier.verify(issuer.mint())).id).toBe(`${issuer.issuer}|alice`);
        expect((await verifier.verify(other.mint())).id).toBe(`${other.issuer}|alice`);
        const crossed = other.mint({ claims: { aud: issuer.audience } });
        expect(await reasonOf(verifier.verify(crossed))).toBe('audience_mismatch');
        const forged = signCompact(
          { alg: 'ES256', typ: 'at+jwt', kid: other.keys[0]?.kid },
          payloadOf(issuer.mint()),
          'ES256',
          other.keys[0]?.privateKey as never,
        );
        expect(await reasonOf(verifier.verify(forged))).toBe('unknown_key');
      } finally {
        await other.close();
      }
    });
  });
});

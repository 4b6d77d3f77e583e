import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, reasonOf } from '../test/helpers.js';
import { TokenVerifier } from './exports/verifier.js';
import { type AuthModuleOptions } from './index.js';

describe('TokenVerifier claim checks', () => {
  let issuer: TestIssuer;
  const clock = manualClock();
  const make = (options: AuthModuleOptions = {}) =>
    new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUrl,
      clock: clock.now,
      cache: false,
      ...options,
    });
  let verifier: TokenVerifier;
  const mint = (options: Parameters<TestIssuer['mint']>[0] = {}) =>
    issuer.mint({ now: clock.seconds(), ...options });

  beforeAll(async () => {
    issuer = await createTestIssuer();
    verifier = make();
  });
  afterAll(() => issuer.close());

  describe('time', () => {
    it('refuses an expired token, beyond the 5 s tolerance only', async () => {
      expect(await reasonOf(verifier.verify(mint({ now: clock.seconds() - 310 })))).toBe('expired');
      expect(await reasonOf(verifier.verify(mint({ now: clock.seconds() - 303 })))).toBe(
        'accepted',
      );
    });

    it('refuses a token that is not valid yet', async () => {
      const token = mint({ claims: { nbf: clock.seconds() + 60 } });
      expect(await reasonOf(verifier.verify(token))).toBe('not_yet_valid');
    });

    it('refuses a token without exp', async () => {
      expect(await reasonOf(verifier.verify(mint({ claims: { exp: undefined } })))).toBe(
        'missing_claim',
      );
    });

    it('refuses a token older than maxTokenAgeSeconds', async () => {
      const strict = make({ maxTokenAgeSeconds: 60 });
      const old = mint({ claims: { iat: clock.seconds() - 120 } });
      expect(await reasonOf(strict.verify(old))).toBe('token_too_old');
      expect(await reasonOf(strict.verify(mint()))).toBe('accepted');
    });
  });

  describe('issuer and audience', () => {
    it.each([
      ['a different issuer', 'https://evil.example'],
      ['a trailing slash', () => `${issuer.issuer}/`],
      ['another case', () => issuer.issuer.toUpperCase()],
      ['a non-string', 42],
    ])('refuses iss with %s', async (_label, iss) => {
      const token = mint({ claims: { iss: typeof iss === 'function' ? iss() : iss } });
      expect(await reasonOf(verifier.verify(token))).toBe('issuer_not_trusted');
    });

    it.each([
      ['a different audience', 'other-api'],
      ['a near miss', 'bulwark-test '],
      ['another case', 'Bulwark-Test'],
      ['an array without it', ['other-api', 'third']],
    ])('refuses aud with %s', async (_label, aud) => {
      expect(await reasonOf(verifier.verify(mint({ claims: { aud } })))).toBe('audience_mismatch');
    });

    it('accepts when any audience matches', async () => {
      const token = mint({ claims: { aud: ['other-api', issuer.audience] } });
      expect(await reasonOf(verifier.verify(token))).toBe('accepted');
      const either = make({ audience: ['first-api', issuer.audience] });
      expect(await reasonOf(either.verify(mint()))).toBe('accepted');
    });

    it('refuses a token without sub, and requires configured claims', async () => {
      expect(await reasonOf(verifier.verify(mint({ claims: { sub: undefined } })))).toBe(
        'missing_claim',
      );
      const strict = make({ requiredClaims: ['client_id', 'jti'] });
      const token = mint({ claims: { jti: undefined } });
      expect(await reasonOf(strict.verify(token))).toBe('missing_claim');
    });
  });

  describe('typ (RFC 9068 §2.1)', () => {
    it.each([
      ['JWT', 'JWT'],
      ['missing', undefined],
      ['JOSE', 'JOSE'],
    ])('refuses typ %s by default', async (_label, typ) => {
      expect(await reasonOf(verifier.verify(mint({ header: { typ } })))).toBe('type_not_allowed');
    });

    it.each(['at+jwt', 'application/at+jwt', 'AT+JWT'])('accepts typ %s', async (typ) => {
      expect(await reasonOf(verifier.verify(mint({ header: { typ } })))).toBe('accepted');
    });

    it('accepts JWT when configured', async () => {
      const lenient = make({ tokenTypes: ['at+jwt', 'JWT'] });
      expect(await reasonOf(lenient.verify(mint({ header: { typ: 'JWT' } })))).toBe('accepted');
    });
  });

  describe('principal', () => {
    it('normalises identity, client, scopes and roles', async () => {
      const token = mint({ claims: { scope: 'notes:read  notes:write', roles: ['admin'] } });
      const principal = await verifier.verify(token);
      expect(principal).toMatchObject({
        id: `${issuer.issuer}|alice`,
        issuer: issuer.issuer,
        subject: 'alice',
        clientId: 'bulwark-test-client',
        scopes: ['notes:read', 'notes:write'],
        roles: ['admin'],
      });
      expect(principal.expiresAt.getTime()).toBe((clock.seconds() + 300) * 1000);
      expect(Object.isFrozen(principal) && Object.isFrozen(principal.claims)).toBe(true);
    });

    it('reads scp arrays, nested role paths, and ignores malformed roles', async () => {
      const keycloak = make({ rolesClaim: 'realm_access.roles' });
      const token = mint({
        claims: { scope: undefined, scp: ['a', 'b'], realm_access: { roles: ['admin'] } },
      });
      expect(await keycloak.verify(token)).toMatchObject({ scopes: ['a', 'b'], roles: ['admin'] });
      const bad = mint({ claims: { roles: ['admin', 7] } });
      expect((await verifier.verify(bad)).roles).toEqual([]);
      expect((await verifier.verify(mint({ claims: { roles: 'admin' } }))).roles).toEqual([]);
    });

    it('reads namespaced claims and a custom scope path', async () => {
      const auth0 = make({ rolesClaim: 'https://example.com/roles', scopeClaim: 'permissions' });
      const token = mint({
        claims: { 'https://example.com/roles': ['ops'], permissions: ['notes:read'], azp: 'x' },
      });
      expect(await auth0.verify(token)).toMatchObject({ roles: ['ops'], scopes: ['notes:read'] });
    });
  });
});

import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { createDpopKey } from '@bulwark/testing/dpop';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockedVerifier, reasonOf } from '../test/helpers.js';
import type { AuthModuleOptions } from './index.js';

describe('sender constraints inside TokenVerifier.verify', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  const setup = async (options: AuthModuleOptions = {}) => {
    const { verifier, mint } = await clockedVerifier(issuer, options);
    return { verifier, mint: (claims: Record<string, unknown>) => mint({ claims }) };
  };

  it('checks the binding on a synchronous cache hit too', async () => {
    const { verifier, mint } = await setup();
    const key = createDpopKey();
    const token = mint({ cnf: { jkt: key.jkt } });
    const principal = await verifier.verify(token, { scheme: 'dpop', dpopJkt: key.jkt });
    expect(verifier.verifyCached(token, { scheme: 'dpop', dpopJkt: key.jkt })).toBe(principal);
    expect(() => verifier.verifyCached(token)).toThrow('token refused: dpop_bound_token_as_bearer');
  });

  describe.each([
    ['with the cache', {}],
    ['without the cache', { cache: false }],
  ])('%s', (_label, options: AuthModuleOptions) => {
    it('refuses a cnf.jkt token presented as bearer, by default and after a DPoP verification', async () => {
      const { verifier, mint } = await setup(options);
      const key = createDpopKey();
      const token = mint({ cnf: { jkt: key.jkt } });
      expect(await reasonOf(verifier.verify(token))).toBe('dpop_bound_token_as_bearer');
      const dpop = { scheme: 'dpop' as const, dpopJkt: key.jkt };
      expect(await reasonOf(verifier.verify(token, dpop))).toBe('accepted');
      expect(await reasonOf(verifier.verify(token))).toBe('dpop_bound_token_as_bearer');
      const other = { scheme: 'dpop' as const, dpopJkt: createDpopKey().jkt };
      expect(await reasonOf(verifier.verify(token, other))).toBe('dpop_key_mismatch');
    });

    it('refuses a cnf x5t#S256 token without the certificate, or with another one', async () => {
      const { verifier, mint } = await setup(options);
      const token = mint({ cnf: { 'x5t#S256': 'a'.repeat(43) } });
      const bearer = (certificateThumbprint?: string) => ({
        scheme: 'bearer' as const,
        certificateThumbprint,
      });
      expect(await reasonOf(verifier.verify(token))).toBe('certificate_missing');
      expect(await reasonOf(verifier.verify(token, bearer('a'.repeat(43))))).toBe('accepted');
      expect(await reasonOf(verifier.verify(token, bearer('b'.repeat(43))))).toBe(
        'certificate_mismatch',
      );
      expect(await reasonOf(verifier.verify(token, bearer(undefined)))).toBe('certificate_missing');
    });

    it('refuses confirmation methods it does not check, and a malformed cnf', async () => {
      const { verifier, mint } = await setup(options);
      for (const cnf of [{ jwk: { kty: 'EC' } }, { jkt: 7 }, 'jkt', {}, { jkt: '' }]) {
        expect(await reasonOf(verifier.verify(mint({ cnf })))).toBe('invalid_claim');
      }
    });

    it('refuses an unbound token under the DPoP scheme and accepts it as bearer', async () => {
      const { verifier, mint } = await setup(options);
      const token = mint({});
      expect(await reasonOf(verifier.verify(token, { scheme: 'dpop', dpopJkt: 'x' }))).toBe(
        'token_not_dpop_bound',
      );
      expect(await reasonOf(verifier.verify(token))).toBe('accepted');
    });
  });
});

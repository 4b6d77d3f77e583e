import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { base64url, createKey, signCompact } from '@bulwark/testing/tokens';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AttackerServer,
  manualClock,
  payloadOf,
  reasonOf,
  startAttackerServer,
  withPayload,
} from '../test/helpers.js';
import { TokenVerifier } from './exports/verifier.js';

describe('TokenVerifier against known JWT attacks', () => {
  let issuer: TestIssuer;
  let attacker: AttackerServer;
  let verifier: TokenVerifier;
  const clock = manualClock();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    issuer.publish('PS256');
    attacker = await startAttackerServer();
  });
  afterAll(async () => {
    await issuer.close();
    await attacker.close();
  });
  beforeEach(async () => {
    verifier = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUrl,
      clock: clock.now,
      cache: false,
    });
    await verifier.warmUp();
    issuer.resetCounters();
  });
  const mint = (options: Parameters<TestIssuer['mint']>[0] = {}) =>
    issuer.mint({ now: clock.seconds(), ...options });
  const claims = () => payloadOf(mint());

  it.each(['ES256', 'RS256', 'EdDSA', 'PS256'] as const)(
    'accepts a valid %s token',
    async (alg) => {
      const principal = await verifier.verify(mint({ alg }));
      expect(principal).toMatchObject({ subject: 'alice', issuer: issuer.issuer });
    },
  );

  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg "%s", signed or not', async (alg) => {
    const unsigned = `${base64url(JSON.stringify({ alg, typ: 'at+jwt' }))}.${base64url(JSON.stringify(claims()))}`;
    expect(await reasonOf(verifier.verify(`${unsigned}.`))).toBe('algorithm_not_allowed');
    expect(await reasonOf(verifier.verify(`${unsigned}.c2ln`))).toBe('algorithm_not_allowed');
  });

  describe('HS256 signed with the RSA public key', () => {
    const rsa = () => issuer.keys.find((key) => key.alg === 'RS256');
    it.each([
      [
        'PEM',
        () => Buffer.from(rsa()?.publicKey.export({ type: 'spki', format: 'pem' }) as string),
      ],
      ['JWK', () => Buffer.from(JSON.stringify(rsa()?.publicJwk))],
    ])('is refused when the secret is the %s', async (_form, secret) => {
      const header = { alg: 'HS256', typ: 'at+jwt', kid: rsa()?.kid };
      const token = signCompact(header, claims(), 'HS256', secret());
      expect(await reasonOf(verifier.verify(token))).toBe('algorithm_not_allowed');
    });
  });

  it('refuses a tampered payload', async () => {
    const token = withPayload(mint(), { ...claims(), sub: 'mallory', scope: 'admin' });
    expect(await reasonOf(verifier.verify(token))).toBe('signature_invalid');
  });

  it('refuses a stripped signature', async () => {
    const [header, payload] = mint().split('.');
    expect(await reasonOf(verifier.verify(`${header}.${payload}.`))).toBe('malformed_token');
    expect(await reasonOf(verifier.verify(`${header}.${payload}`))).toBe('malformed_token');
  });

  it('refuses an all-zero ES256 signature (CVE-2022-21449)', async () => {
    const [header, payload] = mint({ alg: 'ES256' }).split('.');
    const zero = base64url(new Uint8Array(64));
    expect(await reasonOf(verifier.verify(`${header}.${payload}.${zero}`))).toBe(
      'signature_invalid',
    );
  });

  describe('header-carried keys', () => {
    const rogue = createKey('ES256');
    it.each([
      ['jwk', () => ({ jwk: rogue.publicJwk })],
      ['jku', () => ({ jku: `${attacker.url}/jwks.json` })],
      ['x5u', () => ({ x5u: `${attacker.url}/cert.pem` })],
      ['x5c', () => ({ x5c: ['MIIB'] })],
    ])('never uses or fetches %s', async (_name, extra) => {
      const header = { alg: 'ES256', typ: 'at+jwt', kid: rogue.kid, ...extra() };
      const token = signCompact(header, claims(), 'ES256', rogue.privateKey);
      expect(await reasonOf(verifier.verify(token))).toBe('header_key_not_allowed');
      expect(attacker.hits).toBe(0);
      expect(issuer.jwksHits).toBe(0);
    });
  });

  it.each([
    ['path traversal', '../../../../../dev/null'],
    ['SQL', "' OR '1'='1"],
    ['URL', 'http://127.0.0.1:1/jwks.json'],
    ['NUL', '\u0000'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell-style kid, taken literally.
    ['JNDI', '${jndi:ldap://x/a}'],
    ['wildcard', '*'],
    ['2000 characters', 'k'.repeat(2000)],
  ])('refuses an injected kid (%s) without a fetch', async (_label, kid) => {
    const rogue = createKey('ES256');
    const token = signCompact(
      { alg: 'ES256', typ: 'at+jwt', kid },
      claims(),
      'ES256',
      rogue.privateKey,
    );
    expect(await reasonOf(verifier.verify(token))).toBe('unknown_key');
    expect(issuer.jwksHits).toBe(0);
  });

  it('refuses a kid that is not a string', async () => {
    const token = mint({ header: { kid: { $ne: null } } });
    expect(await reasonOf(verifier.verify(token))).toBe('malformed_token');
  });

  it('refuses an unknown crit header', async () => {
    const token = mint({ header: { crit: ['urn:example:unknown'], 'urn:example:unknown': 1 } });
    expect(await reasonOf(verifier.verify(token))).toBe('crit_not_supported');
  });

  it('refuses an oversized token before parsing it', async () => {
    const token = mint({ claims: { padding: 'x'.repeat(9000) } });
    expect(await reasonOf(verifier.verify(token))).toBe('token_too_long');
    expect(await reasonOf(verifier.verify('a'.repeat(8193)))).toBe('token_too_long');
  });

  it('refuses JWE and other shapes', async () => {
    const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }));
    const shapes = [
      'a.b.c.d.e',
      'abc',
      '..',
      `${header}.e30.%%%`,
      `${header}.W10.c2ln`,
      'W10.e30.c2ln',
    ];
    for (const token of shapes) {
      expect(await reasonOf(verifier.verify(token))).toBe('malformed_token');
    }
  });
});

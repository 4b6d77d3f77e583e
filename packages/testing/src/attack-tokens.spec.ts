import { createHmac } from 'node:crypto';
import {
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackToken, createAttackTokens, KID_INJECTIONS } from './attack-tokens.js';
import { createTestIssuer, type TestIssuer } from './test-issuer.js';

const NOW = Math.floor(Date.UTC(2030, 0, 1) / 1000);
const ATTACKER = 'http://127.0.0.1:9/evil';

describe('createAttackTokens', () => {
  let issuer: TestIssuer;
  let attacks: AttackToken[];
  let jwks: ReturnType<typeof createLocalJWKSet>;
  const byId = (id: string) => {
    const attack = attacks.find((a) => a.id === id);
    if (!attack) throw new Error(`no attack ${id}`);
    return attack.token;
  };
  const header = (token: string) => decodeProtectedHeader(token) as Record<string, unknown>;
  const claims = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
  // What a correct verifier does: strict RFC 9068 validation against the issuer's JWKS.
  const strictVerify = (token: string) =>
    jwtVerify(token, jwks, {
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      issuer: issuer.issuer,
      audience: issuer.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(NOW * 1000),
      clockTolerance: 5,
    });
  const codeOf = async (token: string) =>
    strictVerify(token).then(
      () => 'accepted',
      (error: { code?: string; claim?: string }) =>
        error.claim ? `${error.code}:${error.claim}` : (error.code ?? String(error)),
    );

  beforeAll(async () => {
    issuer = await createTestIssuer();
    attacks = createAttackTokens(issuer, {
      attackerUrl: `${ATTACKER}/`,
      claims: { scope: 'notes:read' },
      now: NOW,
    });
    const body = (await (await fetch(issuer.jwksUrl)).json()) as JSONWebKeySet;
    jwks = createLocalJWKSet(body);
  });
  afterAll(() => issuer.close());

  it('gives every attack a unique id and covers every family of the auth issue', () => {
    expect(new Set(attacks.map((a) => a.id)).size).toBe(attacks.length);
    expect(new Set(attacks.map((a) => a.category))).toEqual(
      new Set([
        'alg-none',
        'key-confusion',
        'signature',
        'header-key',
        'kid-injection',
        'unknown-kid',
        'time',
        'issuer',
        'audience',
        'type',
        'crit',
        'size',
      ]),
    );
  });

  it('is refused by a strict verifier, every one of them (size aside: jose has no length limit)', async () => {
    for (const attack of attacks.filter((a) => a.category !== 'size')) {
      expect(await codeOf(attack.token), attack.id).not.toBe('accepted');
    }
  });

  it('keeps the requested claims in the tokens so only the defect differs', () => {
    expect(claims(byId('time:expired')).scope).toBe('notes:read');
    expect(claims(byId('aud:wrong')).scope).toBe('notes:read');
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg-none:%s is unsigned with that casing', (alg) => {
    const token = byId(`alg-none:${alg}`);
    expect(header(token).alg).toBe(alg);
    expect(token.endsWith('.')).toBe(true);
    expect(claims(token).iss).toBe(issuer.issuer);
  });

  it.each(['pem', 'jwk'] as const)(
    'hs256-public-key:%s is an HMAC keyed by the RSA public key',
    (form) => {
      const token = byId(`hs256-public-key:${form}`);
      const rsa = issuer.keys.find((key) => key.alg === 'RS256');
      const secret =
        form === 'pem'
          ? (rsa?.publicKey.export({ type: 'spki', format: 'pem' }) as string)
          : JSON.stringify(rsa?.publicJwk);
      const [h, p, s] = token.split('.');
      const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
      expect(s).toBe(expected);
      expect(header(token)).toMatchObject({ alg: 'HS256', kid: rsa?.kid });
    },
  );

  it('signature:tampered-payload keeps a real signature over other claims', async () => {
    const token = byId('signature:tampered-payload');
    expect(claims(token)).toMatchObject({ sub: 'mallory', scope: 'admin', roles: ['admin'] });
    expect(await codeOf(token)).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('signature:stripped, two-segments and es256-all-zero carry no valid signature', () => {
    expect(byId('signature:stripped').split('.')).toHaveLength(3);
    expect(byId('signature:stripped').split('.')[2]).toBe('');
    expect(byId('signature:two-segments').split('.')).toHaveLength(2);
    const zero = Buffer.from(byId('signature:es256-all-zero').split('.')[2] ?? '', 'base64url');
    expect(zero).toEqual(Buffer.alloc(64));
    expect(header(byId('signature:es256-all-zero')).alg).toBe('ES256');
  });

  it('header-key attacks carry the rogue key or the attacker URL', async () => {
    const jwkToken = byId('header-key:jwk');
    const embedded = header(jwkToken).jwk as JWK;
    // Valid under the key it carries, which is the whole attack.
    const self = createLocalJWKSet({ keys: [{ ...embedded }] as JSONWebKeySet['keys'] });
    await expect(compactVerify(jwkToken, self)).resolves.toBeDefined();
    expect(header(byId('header-key:jku')).jku).toBe(`${ATTACKER}/jwks.json`);
    expect(header(byId('header-key:x5u')).x5u).toBe(`${ATTACKER}/cert.pem`);
    expect(header(byId('header-key:x5c')).x5c).toEqual(['MIIBattacker']);
  });

  it('kid-injection attacks name keys the issuer never published', async () => {
    for (const [name, kid] of Object.entries(KID_INJECTIONS)) {
      const token = byId(`kid-injection:${name}`);
      expect(header(token).kid).toBe(kid);
      expect(await codeOf(token)).toBe('ERR_JWKS_NO_MATCHING_KEY');
    }
    expect(header(byId('kid-injection:url')).kid).toBe(`${ATTACKER}/key`);
    expect(await codeOf(byId('unknown-kid'))).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });

  it.each([
    ['time:expired', 'ERR_JWT_EXPIRED:exp'],
    ['time:not-yet-valid', 'ERR_JWT_CLAIM_VALIDATION_FAILED:nbf'],
    ['time:missing-exp', 'ERR_JWT_CLAIM_VALIDATION_FAILED:exp'],
    ['iss:wrong', 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss'],
    ['iss:near-miss-trailing-slash', 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss'],
    ['iss:near-miss-suffix', 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss'],
    ['iss:near-miss-case', 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss'],
    ['iss:missing', 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss'],
    ['aud:wrong', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['aud:near-miss-suffix', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['aud:near-miss-prefix', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['aud:near-miss-case', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['aud:array-without', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['aud:missing', 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud'],
    ['typ:jwt', 'ERR_JWT_CLAIM_VALIDATION_FAILED:typ'],
    ['typ:missing', 'ERR_JWT_CLAIM_VALIDATION_FAILED:typ'],
    ['typ:id-token', 'ERR_JWT_CLAIM_VALIDATION_FAILED:typ'],
  ])('%s is signed by the real issuer key and fails only on its claim (%s)', async (id, code) => {
    const token = byId(id);
    await expect(compactVerify(token, jwks)).resolves.toBeDefined();
    expect(await codeOf(token)).toBe(code);
  });

  it('crit:unknown is signed by the issuer and refused for its crit member', async () => {
    const token = byId('crit:unknown');
    await expect(
      compactVerify(token, jwks, { crit: { 'urn:bulwark:unknown': true } }),
    ).resolves.toBeDefined();
    expect(await codeOf(token)).toBe('ERR_JOSE_NOT_SUPPORTED');
  });

  it('size:oversized is longer than the limit, and follows a custom limit', () => {
    expect(byId('size:oversized').length).toBeGreaterThan(8192);
    const small = createAttackTokens(issuer, { maxTokenBytes: 1024, now: NOW });
    const token = small.find((a) => a.id === 'size:oversized')?.token ?? '';
    expect(token.length).toBeGreaterThan(1024);
    expect(token.length).toBeLessThan(8192);
  });

  it('leaves typ JWT out when the service accepts it', () => {
    const lenient = createAttackTokens(issuer, { acceptedTokenTypes: ['at+jwt', 'JWT'] });
    expect(lenient.map((a) => a.id)).not.toContain('typ:jwt');
    expect(lenient.map((a) => a.id)).toContain('typ:missing');
  });

  it('skips key confusion when the issuer has no RSA key', async () => {
    const ecOnly = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      const ids = createAttackTokens(ecOnly).map((a) => a.id);
      expect(ids.some((id) => id.startsWith('hs256'))).toBe(false);
      expect(ids).toContain('alg-none:none');
    } finally {
      await ecOnly.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkProof, jwkThumbprint, type ProofPolicy } from './dpop-proof.js';
import { accessTokenHashOf as accessTokenHash } from './token-digest.js';

const NOW = 1_800_000_000;
const TOKEN = 'access-token';
const target = { method: 'GET', htu: 'https://api.example.com/notes', accessToken: TOKEN };
const policy: ProofPolicy = {
  algorithms: ['ES256', 'EdDSA', 'PS256'],
  algorithmSet: new Set(['ES256', 'EdDSA', 'PS256']),
  maxAgeSeconds: 60,
  clockToleranceSeconds: 5,
};

async function keyPair(alg: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

function proof(
  key: Awaited<ReturnType<typeof keyPair>>,
  alg: string,
  jwk: JWK = key.jwk,
): Promise<string> {
  return new SignJWT({
    jti: randomUUID(),
    htm: 'GET',
    htu: target.htu,
    iat: NOW,
    ath: accessTokenHash(TOKEN),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk })
    .sign(key.privateKey);
}

const refusal = (work: Promise<unknown>) =>
  work.then(
    () => 'accepted',
    (error: { reason?: string }) => error.reason,
  );

describe('jwkThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each(['ES256', 'ES384', 'EdDSA', 'PS256'])('equals jose for a %s key', async (alg) => {
    const { jwk } = await keyPair(alg);
    expect(jwkThumbprint(jwk as Record<string, unknown>)).toBe(
      await calculateJwkThumbprint(jwk, 'sha256'),
    );
  });

  it('refuses a key type or a member RFC 7638 cannot hash', () => {
    expect(() => jwkThumbprint({ kty: 'XYZ' })).toThrow('"kty" missing or unsupported');
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AA' })).toThrow(
      '"y" missing or invalid',
    );
  });
});

describe('checkProof when a proof key was seen before', () => {
  it('gives every proof of one key the same thumbprint, from the first proof on', async () => {
    const key = await keyPair('ES256');
    const expected = await calculateJwkThumbprint(key.jwk, 'sha256');
    for (let i = 0; i < 3; i++) {
      const checked = await checkProof(await proof(key, 'ES256'), target, policy, NOW);
      expect(checked.jkt).toBe(expected);
    }
  });

  it('still checks the signature with a remembered key', async () => {
    const key = await keyPair('ES256');
    await checkProof(await proof(key, 'ES256'), target, policy, NOW);
    const other = await keyPair('ES256');
    // Signed by another key, but naming the remembered one.
    const forged = await proof({ privateKey: other.privateKey, jwk: key.jwk }, 'ES256');
    expect(await refusal(checkProof(forged, target, policy, NOW))).toBe('dpop_proof_signature');
  });

  it('still refuses the same key material with "use": "enc", as EmbeddedJWK does', async () => {
    const key = await keyPair('ES256');
    await checkProof(await proof(key, 'ES256'), target, policy, NOW);
    const tagged = await proof(key, 'ES256', { ...key.jwk, use: 'enc' });
    expect(await refusal(checkProof(tagged, target, policy, NOW))).toBe('dpop_proof_key');
  });

  it('still checks the claims of a proof with a remembered key', async () => {
    const key = await keyPair('EdDSA');
    await checkProof(await proof(key, 'EdDSA'), target, policy, NOW);
    const later = await proof(key, 'EdDSA');
    expect(await refusal(checkProof(later, { ...target, method: 'POST' }, policy, NOW))).toBe(
      'dpop_proof_htm',
    );
    expect(await refusal(checkProof(later, target, policy, NOW + 600))).toBe('dpop_proof_iat');
  });
});

import {
  constants,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { jwtVerify } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { checkProof, forgetProofKeys, joseClaimsSet, type ProofPolicy } from './dpop-proof.js';

// jose's jwtVerify, counted: a remembered key's proofs must not need it, and must get the same
// answers as if they had gone through it.
vi.mock('jose', async (importOriginal) => {
  const jose = await importOriginal<typeof import('jose')>();
  return { ...jose, jwtVerify: vi.fn(jose.jwtVerify) };
});

const NOW = 1_800_000_000;
const TOKEN = 'access-token';
const ATH = createHash('sha256').update(TOKEN).digest('base64url');
const target = { method: 'GET', htu: 'https://api.example.com/notes', accessToken: TOKEN };
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'PS384', 'EdDSA', 'Ed25519'];
const policy: ProofPolicy = {
  algorithms: ALGORITHMS,
  algorithmSet: new Set(ALGORITHMS),
  maxAgeSeconds: 60,
  clockToleranceSeconds: 5,
};

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

interface TestKey {
  alg: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function testKey(alg: string): TestKey {
  const pair = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: CURVES[alg] as string })
    : alg.startsWith('Ed')
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) };
}

/** RFC 7515 signing with node:crypto, for any header and any payload bytes. */
function signature(key: TestKey, input: string): string {
  const bits = key.alg.slice(2);
  const signed = key.alg.startsWith('Ed')
    ? sign(null, Buffer.from(input), key.privateKey)
    : sign(`sha${bits}`, Buffer.from(input), {
        key: key.privateKey,
        ...(key.alg.startsWith('ES') ? { dsaEncoding: 'ieee-p1363' as const } : {}),
        ...(key.alg.startsWith('PS')
          ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 }
          : {}),
      });
  return signed.toString('base64url');
}

const segment = (value: unknown) =>
  Buffer.from(
    Buffer.isBuffer(value) ? value : typeof value === 'string' ? value : JSON.stringify(value),
  ).toString('base64url');

function claims(extra: Record<string, unknown> = {}) {
  return { jti: randomUUID(), htm: 'GET', htu: target.htu, iat: NOW, ath: ATH, ...extra };
}

function proof(
  key: TestKey,
  options: {
    header?: Record<string, unknown>;
    headerSegment?: string;
    payload?: unknown;
    alter?: (parts: string[]) => void;
  } = {},
): string {
  const head =
    options.headerSegment ??
    segment({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...options.header });
  const body = segment(options.payload ?? claims());
  const parts = [head, body, signature(key, `${head}.${body}`)];
  options.alter?.(parts);
  return parts.join('.');
}

const refusal = (work: Promise<unknown>) =>
  work.then(
    () => 'accepted',
    (error: { reason?: string }) => error.reason,
  );

const joseCalls = () => vi.mocked(jwtVerify).mock.calls.length;

beforeEach(() => {
  forgetProofKeys();
  vi.mocked(jwtVerify).mockClear();
});

describe('checkProof with a remembered key', () => {
  it.each(ALGORITHMS)('verifies %s proofs without jose after the first one', async (alg) => {
    const key = testKey(alg);
    const first = await checkProof(proof(key), target, policy, NOW);
    expect(joseCalls()).toBe(1);
    for (let i = 0; i < 3; i++) {
      const next = await checkProof(proof(key), target, policy, NOW);
      expect(next.jkt).toBe(first.jkt);
    }
    expect(joseCalls()).toBe(1);
    // A proof signed by another key in the remembered key's name still fails.
    const other = testKey(alg);
    const forged = proof({ ...other, jwk: key.jwk });
    expect(await refusal(checkProof(forged, target, policy, NOW))).toBe('dpop_proof_signature');
    expect(joseCalls()).toBe(1);
  });

  // Each proof is refused, or accepted, exactly as jose answers for a key it has never seen.
  const key = testKey('ES256');
  const bom = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(JSON.stringify(claims())),
  ]);
  const cases: [string, () => string, string, 'jose' | 'node:crypto'][] = [
    [
      'a flipped signature',
      () =>
        proof(key, {
          alter: (p) => {
            const sig = p[2] as string;
            p[2] = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
          },
        }),
      'dpop_proof_signature',
      'node:crypto',
    ],
    [
      'exp passed',
      () => proof(key, { payload: claims({ exp: NOW - 6 }) }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'exp within the tolerance',
      () => proof(key, { payload: claims({ exp: NOW - 4 }) }),
      'accepted',
      'node:crypto',
    ],
    [
      'nbf ahead',
      () => proof(key, { payload: claims({ nbf: NOW + 6 }) }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'nbf within the tolerance',
      () => proof(key, { payload: claims({ nbf: NOW + 5 }) }),
      'accepted',
      'node:crypto',
    ],
    [
      'exp a string',
      () => proof(key, { payload: claims({ exp: 'soon' }) }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'iat a string',
      () => proof(key, { payload: claims({ iat: String(NOW) }) }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'iat missing',
      () => proof(key, { payload: claims({ iat: undefined }) }),
      'dpop_proof_claim',
      'node:crypto',
    ],
    [
      'claims an array',
      () => proof(key, { payload: [claims()] }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'claims not JSON',
      () => proof(key, { payload: '{"jti":' }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    [
      'claims not UTF-8',
      () => proof(key, { payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) }),
      'dpop_proof_malformed',
      'node:crypto',
    ],
    ['claims after a UTF-8 BOM', () => proof(key, { payload: bom }), 'accepted', 'node:crypto'],
    [
      'an unknown crit extension',
      () => proof(key, { header: { crit: ['urn:example'], 'urn:example': 1 } }),
      'dpop_proof_key',
      'jose',
    ],
    [
      'b64 false',
      () => proof(key, { header: { crit: ['b64'], b64: false } }),
      'dpop_proof_malformed',
      'jose',
    ],
    [
      'a signature segment base64url cannot decode',
      () => proof(key, { alter: (p) => (p[2] = `${p[2]}AAA`) }),
      'dpop_proof_malformed',
      'jose',
    ],
    [
      'a claims segment base64url cannot decode, signed as sent',
      () => {
        const head = segment({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
        // Whole groups of four, then one more character, which node:crypto's decoder drops.
        let padded = claims();
        for (let pad = ''; segment(padded).length % 4 !== 0; pad += 'x') {
          padded = claims({ pad });
        }
        const body = `${segment(padded)}A`;
        return `${head}.${body}.${signature(key, `${head}.${body}`)}`;
      },
      'dpop_proof_malformed',
      'jose',
    ],
    [
      'a header that is not UTF-8',
      () => {
        const json = JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk, x: 'X' });
        const bytes = Buffer.from(json);
        bytes[bytes.length - 3] = 0xff;
        return proof(key, { headerSegment: bytes.toString('base64url') });
      },
      'dpop_proof_malformed',
      'jose',
    ],
  ];

  it.each(cases)('%s: the same answer as for a new key', async (_label, make, expected, path) => {
    const hostile = make();
    // A new key: jose answers.
    expect(await refusal(checkProof(hostile, target, policy, NOW))).toBe(expected);
    forgetProofKeys();
    await checkProof(proof(key), target, policy, NOW);
    vi.mocked(jwtVerify).mockClear();
    // The remembered key: the same answer, through node:crypto where jose cannot differ.
    expect(await refusal(checkProof(hostile, target, policy, NOW))).toBe(expected);
    expect(joseCalls()).toBe(path === 'jose' ? 1 : 0);
  });

  it('refuses a PS256 signature with another salt length, as jose does', async () => {
    const rsa = testKey('PS256');
    const salted = (saltLength: number) => {
      const head = segment({ typ: 'dpop+jwt', alg: 'PS256', jwk: rsa.jwk });
      const body = segment(claims());
      const signed = sign('sha256', Buffer.from(`${head}.${body}`), {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      });
      return `${head}.${body}.${signed.toString('base64url')}`;
    };
    expect(await refusal(checkProof(salted(20), target, policy, NOW))).toBe('dpop_proof_signature');
    await checkProof(salted(32), target, policy, NOW);
    vi.mocked(jwtVerify).mockClear();
    expect(await refusal(checkProof(salted(20), target, policy, NOW))).toBe('dpop_proof_signature');
    expect(await refusal(checkProof(salted(32), target, policy, NOW))).toBe('accepted');
    expect(joseCalls()).toBe(0);
  });

  it('runs every header check on a remembered header', async () => {
    await checkProof(proof(key), target, policy, NOW);
    const again = proof(key);
    const edOnly = { ...policy, algorithms: ['EdDSA'], algorithmSet: new Set(['EdDSA']) };
    expect(await refusal(checkProof(again, target, edOnly, NOW))).toBe('dpop_proof_algorithm');
    expect(await refusal(checkProof(again, target, policy, NOW))).toBe('accepted');
  });
});

describe('joseClaimsSet', () => {
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('returns the claims of a JSON object', () => {
    expect(joseClaimsSet(bytes({ a: 1, exp: NOW + 1 }), NOW, 0)).toEqual({ a: 1, exp: NOW + 1 });
  });

  it.each([
    ['exp at now', { exp: NOW }, 0],
    ['nbf past the tolerance', { nbf: NOW + 3 }, 2],
    ['a non-number iat', { iat: null }, 0],
    ['a non-number nbf', { nbf: '1' }, 0],
  ])('refuses %s as dpop_proof_malformed', (_label, claimsSet, tolerance) => {
    expect(() => joseClaimsSet(bytes(claimsSet), NOW, tolerance)).toThrow(
      expect.objectContaining({ reason: 'dpop_proof_malformed' }),
    );
  });

  it('counts from the whole second, as jose does', () => {
    expect(joseClaimsSet(bytes({ exp: NOW + 0.5 }), NOW + 0.7, 0)).toEqual({ exp: NOW + 0.5 });
  });
});

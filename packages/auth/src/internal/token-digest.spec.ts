import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryReplayKey } from './dpop-replay-key.js';
import { accessTokenHashOf, sameText, tokenCacheKey } from './token-digest.js';

/** The two digests as they were computed separately before they were shared. */
function separately(token: string): { cacheKey: string; ath: string } {
  return {
    cacheKey: createHash('sha256').update(token).digest('binary'),
    ath: createHash('sha256').update(token, 'ascii').digest('base64url'),
  };
}

/** Both forms, asked in the given order. */
function digestOf(token: string, athFirst: boolean): { cacheKey: string; ath: string } {
  if (athFirst) {
    const ath = accessTokenHashOf(token);
    return { cacheKey: tokenCacheKey(token), ath };
  }
  const cacheKey = tokenCacheKey(token);
  return { cacheKey, ath: accessTokenHashOf(token) };
}

describe('tokenCacheKey and accessTokenHashOf', () => {
  it('gives the cache key and the ath that two separate hashes gave, for any token', () => {
    const tokens = [
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl',
      '',
      'a',
      'x'.repeat(4096),
      // Outside ASCII: `ath` hashes the ASCII encoding, the cache key the UTF-8.
      'tok\u00e9n',
      'tok\u20acn\u{1f600}',
    ];
    for (const token of tokens) {
      const expected = separately(token);
      for (const athFirst of [true, false]) {
        expect(digestOf(token, athFirst)).toEqual(expected);
        // Asked again (the remembered digest), and after other tokens.
        expect(digestOf(token, athFirst)).toEqual(expected);
        tokenCacheKey(`${token}.other`);
        expect(digestOf(token, athFirst)).toEqual(expected);
        accessTokenHashOf(`${token}.another`);
        expect(digestOf(token, athFirst)).toEqual(expected);
      }
    }
  });

  it('answers an equal token in another string as the same token', () => {
    const token = ['eyJ', 'hbGciOiJFUzI1NiJ9', '.e30.c2ln'].join('');
    expect(digestOf('eyJhbGciOiJFUzI1NiJ9.e30.c2ln', true)).toEqual(
      separately('eyJhbGciOiJFUzI1NiJ9.e30.c2ln'),
    );
    expect(digestOf(token, false)).toEqual(separately('eyJhbGciOiJFUzI1NiJ9.e30.c2ln'));
    expect(digestOf(`${token}x`, true)).toEqual(separately('eyJhbGciOiJFUzI1NiJ9.e30.c2lnx'));
  });
});

describe('sameText', () => {
  it('is string equality', () => {
    const pairs: Array<[string, string, boolean]> = [
      ['', '', true],
      ['abc', 'abc', true],
      ['abc', 'abd', false],
      ['abc', 'ab', false],
      ['ab', 'abc', false],
      ['bbc', 'abc', false],
      [
        'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
        'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
        true,
      ],
      [
        'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
        'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xt',
        false,
      ],
      ['\u00e9', '\u00e9', true],
      ['\u00e9', 'e', false],
      // Different lone surrogates, which one UTF-8 encoding would have made equal.
      ['\ud800', '\udc00', false],
    ];
    for (const [a, b, equal] of pairs) expect(sameText(a, b)).toBe(equal);
  });
});

describe('memoryReplayKey', () => {
  const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

  it('is the thumbprint and the jti as sent for a usual jti', () => {
    expect(memoryReplayKey({ jkt, jti: 'e1j3V_bKic8-LAEB' })).toBe(`${jkt}.e1j3V_bKic8-LAEB`);
    expect(memoryReplayKey({ jkt, jti: 'j'.repeat(64) })).toBe(`${jkt}.${'j'.repeat(64)}`);
  });

  it('is a 43-character SHA-256 without a dot for a longer jti', () => {
    const jti = 'j'.repeat(65);
    const key = memoryReplayKey({ jkt, jti });
    expect(key).toBe(createHash('sha256').update(`${jkt}.${jti}`).digest('base64url'));
    expect(key).toHaveLength(43);
    expect(key).not.toContain('.');
  });

  it('gives different keys to different (key, jti) pairs', () => {
    const other = 'AAAAsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const keys = [
      memoryReplayKey({ jkt, jti: 'a' }),
      memoryReplayKey({ jkt, jti: 'b' }),
      memoryReplayKey({ jkt: other, jti: 'a' }),
      memoryReplayKey({ jkt, jti: 'a'.repeat(65) }),
      memoryReplayKey({ jkt, jti: 'a'.repeat(66) }),
      memoryReplayKey({ jkt: other, jti: 'a'.repeat(65) }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

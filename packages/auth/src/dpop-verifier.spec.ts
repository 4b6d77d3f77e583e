import { createDpopKey, createDpopProof } from '@bulwark/testing/dpop';
import { describe, expect, it } from 'vitest';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { type DpopReplayStore, MemoryDpopReplayStore } from './dpop-replay.store.js';
import type { VerifiedDpopProof } from './dpop-verifier.js';
import { TokenVerifier } from './token-verifier.js';

const URL = 'https://api.example.com/notes';
const TOKEN = 'access-token';
const target = { method: 'GET', htu: URL, accessToken: TOKEN };

function dpopOf(dpop: AuthModuleOptions['dpop'] = {}) {
  return new TokenVerifier({
    issuer: 'https://issuer.example.com',
    audience: 'api',
    jwksUri: 'https://issuer.example.com/jwks',
    dpop,
  }).dpop;
}

const reasonOf = (work: () => unknown) => {
  try {
    work();
    return 'accepted';
  } catch (error) {
    return (error as { reason?: string }).reason;
  }
};

describe('DpopVerifier.verifyNow', () => {
  it('answers without a promise once the proof key verified a proof, as verify() does', async () => {
    const dpop = dpopOf();
    const key = createDpopKey('ES256');
    const proof = () => createDpopProof(key, { method: 'GET', url: URL, accessToken: TOKEN });
    // A new key goes through jose: a promise.
    const first = dpop.verifyNow(proof(), target);
    expect(first).toBeInstanceOf(Promise);
    expect((await first).jkt).toBe(key.jkt);
    const next = dpop.verifyNow(proof(), target);
    expect(next).not.toBeInstanceOf(Promise);
    expect((next as VerifiedDpopProof).jkt).toBe(key.jkt);
    expect(await dpop.verify(proof(), target)).toMatchObject({ jkt: key.jkt });
    // Refusals are thrown, with the reasons verify() rejects with.
    const wrongMethod = { ...target, method: 'POST' };
    expect(reasonOf(() => dpop.verifyNow(proof(), wrongMethod))).toBe('dpop_proof_htm');
    await expect(dpop.verify(proof(), wrongMethod)).rejects.toMatchObject({
      reason: 'dpop_proof_htm',
    });
  });
});

describe('DpopVerifier.claimNow', () => {
  const proof = (jti: string): VerifiedDpopProof => ({ jkt: 'jkt', jti, nonce: undefined });

  it('answers without a promise with the built-in memory store', async () => {
    const dpop = dpopOf();
    expect(dpop.claimNow(proof('a'))).toBeUndefined();
    expect(reasonOf(() => dpop.claimNow(proof('a')))).toBe('dpop_proof_replayed');
    await expect(dpop.claim(proof('a'))).rejects.toMatchObject({ reason: 'dpop_proof_replayed' });
    await expect(dpop.claim(proof('b'))).resolves.toBeUndefined();
  });

  it('asks any other store, a memory store subclass included, through its claim()', async () => {
    const asked: string[] = [];
    class CountingStore extends MemoryDpopReplayStore {
      override claim(key: string, ttlSeconds: number): Promise<boolean> {
        asked.push(key);
        return super.claim(key, ttlSeconds);
      }
    }
    const custom: DpopReplayStore = {
      claim: async (key) => {
        asked.push(key);
        return false;
      },
    };
    for (const replayStore of [new CountingStore(), custom]) {
      const claimed = dpopOf({ replayStore }).claimNow(proof('c'));
      expect(claimed).toBeInstanceOf(Promise);
      await claimed?.catch(() => undefined);
    }
    expect(asked).toHaveLength(2);
    await expect(dpopOf({ replayStore: custom }).claimNow(proof('d'))).rejects.toMatchObject({
      reason: 'dpop_proof_replayed',
    });
  });
});

describe('MemoryDpopReplayStore.claimNow', () => {
  it('accepts a key once within its time, then again after it, and throws when full', () => {
    let now = 0;
    const store = new MemoryDpopReplayStore({ maxEntries: 2, clock: () => now });
    expect(store.claimNow('a', 10)).toBe(true);
    expect(store.claimNow('a', 10)).toBe(false);
    expect(store.claimNow('b', 10)).toBe(true);
    expect(() => store.claimNow('c', 10)).toThrow(
      expect.objectContaining({ code: 'AUTH_DPOP_STORE_UNAVAILABLE' }),
    );
    now = 10_000;
    expect(store.claimNow('a', 10)).toBe(true);
    expect(store.size).toBe(1);
  });
});

import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockedVerifier, reasonOf } from '../test/helpers.js';
import type { AuthModuleOptions } from './index.js';

describe('the verified-token cache', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  const setup = (options: AuthModuleOptions = {}) => clockedVerifier(issuer, options);

  it('answers a repeated token from the cache with the same principal', async () => {
    const { verifier, mint } = await setup();
    const token = mint();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
    expect(verifier.stats).toEqual({ cacheHits: 1, cacheMisses: 1, cacheSize: 1 });
  });

  it('answers a cached token synchronously, and nothing else', async () => {
    const { clock, verifier, mint } = await setup();
    const token = mint({ ttlSeconds: 60 });
    expect(verifier.verifyCached(token)).toBeUndefined();
    const principal = await verifier.verify(token);
    expect(verifier.verifyCached(token)).toBe(principal);
    expect(verifier.verifyCached(mint())).toBeUndefined();
    clock.advance(61);
    expect(verifier.verifyCached(token)).toBeUndefined();
    expect(verifier.stats.cacheSize).toBe(0);
    expect(() => verifier.verifyCached('x'.repeat(100_000))).toThrow(
      expect.objectContaining({ reason: 'token_too_long' }),
    );
    const uncached = (await setup({ cache: false })).verifier;
    await uncached.verify(token);
    expect(uncached.verifyCached(token)).toBeUndefined();
  });

  it('re-checks time claims on a hit', async () => {
    const { clock, verifier, mint } = await setup({ maxTokenAgeSeconds: 120 });
    const token = mint();
    await verifier.verify(token);
    clock.advance(200);
    expect(await reasonOf(verifier.verify(token))).toBe('token_too_old');
    expect(verifier.stats.cacheSize).toBe(0);
  });

  it('re-checks nbf on a hit when the clock moves back', async () => {
    const { clock, verifier, mint } = await setup();
    const token = mint();
    await verifier.verify(token);
    clock.advance(-60);
    expect(await reasonOf(verifier.verify(token))).toBe('not_yet_valid');
  });

  it('never keeps an entry past exp, even inside the clock tolerance', async () => {
    const { clock, verifier, mint } = await setup();
    const token = mint({ ttlSeconds: 60 });
    await verifier.verify(token);
    clock.advance(61);
    const hitsBefore = verifier.stats.cacheHits;
    expect(await reasonOf(verifier.verify(token))).toBe('accepted');
    expect(verifier.stats.cacheHits).toBe(hitsBefore);
    expect(verifier.stats.cacheSize).toBe(0);
    clock.advance(10);
    expect(await reasonOf(verifier.verify(token))).toBe('expired');
  });

  it('is flushed when the key set changes, so a removed key stops working at once', async () => {
    const { clock, verifier, mint } = await setup();
    const old = issuer.publish('ES256');
    clock.advance(31);
    const token = mint({ kid: old.kid });
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats.cacheHits).toBe(1);
    issuer.retire(old.kid);
    const fresh = issuer.publish('ES256');
    clock.advance(31);
    await verifier.verify(mint({ kid: fresh.kid }));
    expect(verifier.stats.cacheSize).toBe(1);
    expect(await reasonOf(verifier.verify(token))).toBe('unknown_key');
  });

  it('keeps the most recently used entries within maxEntries', async () => {
    const { verifier, mint } = await setup({ cache: { maxEntries: 2 } });
    const [a, b, c] = [mint(), mint(), mint()];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a);
    await verifier.verify(c);
    expect(verifier.stats.cacheSize).toBe(2);
    const hits = verifier.stats.cacheHits;
    await verifier.verify(a);
    expect(verifier.stats.cacheHits).toBe(hits + 1);
    await verifier.verify(b);
    expect(verifier.stats.cacheHits).toBe(hits + 1);
  });

  it('can be turned off', async () => {
    const { verifier, mint } = await setup({ cache: false });
    const token = mint();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(verifier.stats).toEqual({ cacheHits: 0, cacheMisses: 0, cacheSize: 0 });
  });

  it('never caches a refused token', async () => {
    const { verifier, mint } = await setup();
    await reasonOf(verifier.verify(mint({ claims: { aud: 'other' } })));
    expect(verifier.stats.cacheSize).toBe(0);
  });
});

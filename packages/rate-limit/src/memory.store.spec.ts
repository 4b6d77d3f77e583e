import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from './memory.store.js';

const rule = { limit: 3, windowMs: 60_000 };

describe('MemoryRateLimitStore', () => {
  describe('when the injected clock moves', () => {
    it('admits a burst of exactly the limit, then one unit per emission interval', () => {
      let now = 1_000_000;
      const store = new MemoryRateLimitStore({ clock: () => now });
      expect([1, 2, 3, 4].map(() => store.consume('k', rule, 1).allowed)).toEqual([
        true,
        true,
        true,
        false,
      ]);
      expect(store.consume('k', rule, 1)).toEqual({
        allowed: false,
        remaining: 0,
        resetMs: 60_000,
        retryAfterMs: 20_000,
      });
      now += 19_999;
      expect(store.consume('k', rule, 1).allowed).toBe(false);
      now += 1;
      expect(store.consume('k', rule, 1)).toEqual({
        allowed: true,
        remaining: 0,
        resetMs: 60_000,
        retryAfterMs: 0,
      });
      now += 60_000;
      expect(store.consume('k', rule, 1)).toEqual({
        allowed: true,
        remaining: 2,
        resetMs: 20_000,
        retryAfterMs: 0,
      });
    });

    it('conforms to GCRA: a burst of at most the limit, then at most one unit per interval', () => {
      let now = 0;
      const store = new MemoryRateLimitStore({ clock: () => now });
      const limit = { limit: 7, windowMs: 10_000 };
      const interval = Math.floor(10_000_000 / 7) / 1000;
      const admitted: number[] = [];
      for (let step = 0; step < 5_000; step += 1) {
        now += (step * 7919) % 613;
        if (store.consume('k', limit, 1).allowed) admitted.push(now);
      }
      // Beyond a burst of 7, every further admission needs one more emission interval.
      for (let i = 0; i < admitted.length; i += 1) {
        for (let extra = 1; i + 6 + extra < admitted.length && extra <= 10; extra += 1) {
          const span = (admitted[i + 6 + extra] as number) - (admitted[i] as number);
          expect(span).toBeGreaterThanOrEqual(extra * interval);
        }
      }
      // And the long-run rate is the limit per window.
      const elapsed = (admitted.at(-1) as number) - (admitted[0] as number);
      expect(admitted.length).toBeLessThanOrEqual(7 + Math.floor(elapsed / interval));
      expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(elapsed / interval) - 1);
    });

    it('charges a cost, refuses what does not fit without charging, and peeks for free', () => {
      const store = new MemoryRateLimitStore({ clock: () => 0 });
      const big = { limit: 10, windowMs: 10_000 };
      expect(store.consume('k', big, 4)).toMatchObject({ allowed: true, remaining: 6 });
      expect(store.consume('k', big, 7)).toMatchObject({
        allowed: false,
        remaining: 6,
        retryAfterMs: 1_000,
      });
      expect(store.peek('k', big)).toMatchObject({ allowed: true, remaining: 6 });
      expect(store.consume('k', big, 6)).toMatchObject({ allowed: true, remaining: 0 });
      expect(store.peek('k', big)).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    });

    it('keeps exact bursts for limits that do not divide the window', () => {
      const store = new MemoryRateLimitStore({ clock: () => 5 });
      const odd = { limit: 7, windowMs: 60_000 };
      const results = Array.from({ length: 8 }, () => store.consume('k', odd, 1).allowed);
      expect(results.filter(Boolean)).toHaveLength(7);
    });
  });

  describe('when flooded with distinct keys', () => {
    it('stays bounded under 1,000,000 distinct keys', () => {
      const store = new MemoryRateLimitStore({ maxKeys: 50_000, clock: () => 0 });
      for (let i = 0; i < 1_000_000; i += 1) store.consume(`client-${i}`, rule, 1);
      expect(store.size).toBe(50_000);
      // The most recent keys are kept, the oldest were evicted.
      expect(store.peek('client-999999', rule).remaining).toBe(2);
      expect(store.peek('client-0', rule).remaining).toBe(3);
      expect(store.size).toBe(50_000);
    });

    it('evicts the least recently used key, not a recently touched one', () => {
      const store = new MemoryRateLimitStore({ maxKeys: 2, clock: () => 0 });
      store.consume('a', rule, 1);
      store.consume('b', rule, 1);
      store.consume('a', rule, 1);
      store.consume('c', rule, 1);
      expect(store.peek('a', rule).remaining).toBe(1);
      expect(store.peek('b', rule).remaining).toBe(3);
      expect(store.size).toBe(2);
    });

    it('treats an expired key as absent without any timer', () => {
      let now = 0;
      const store = new MemoryRateLimitStore({ maxKeys: 4, clock: () => now });
      for (let i = 0; i < 3; i += 1) store.consume('a', rule, 1);
      now += 60_000;
      expect(store.consume('a', rule, 1)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('rejects an invalid capacity', () => {
      expect(() => new MemoryRateLimitStore({ maxKeys: 0 })).toThrow(
        'maxKeys must be an integer from 1 to 16777216',
      );
    });
  });
});

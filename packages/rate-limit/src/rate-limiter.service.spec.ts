import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './exports/limiter.js';
import { type RateLimitStore } from './exports/stores.js';
import { RateLimitModule, type RateLimitModuleOptions } from './index.js';

class BrokenStore implements RateLimitStore {
  calls = 0;
  up = true;
  consume(): Promise<never> {
    this.calls += 1;
    return Promise.reject(new Error('connection reset'));
  }
  peek(): never {
    this.calls += 1;
    throw new Error('connection reset');
  }
  available(): boolean {
    return this.up;
  }
}

async function limiterWith(options: RateLimitModuleOptions): Promise<RateLimiter> {
  const ref = await Test.createTestingModule({
    imports: [RateLimitModule.forRoot({ env: {}, limit: 10, windowSeconds: 60, ...options })],
  }).compile();
  return ref.get(RateLimiter);
}

describe('RateLimiter', () => {
  describe('when the store fails and the mode is insurance', () => {
    it('decides locally at limit ÷ replicas instead of failing the request', async () => {
      const store = new BrokenStore();
      const limiter = await limiterWith({ store, replicas: 3, clock: () => 0 });
      const policy = limiter.policy('default');
      if (!policy) throw new Error('no default policy');
      const outcomes = [];
      for (let i = 0; i < 4; i += 1) outcomes.push(await limiter.consume('k', policy, 1));
      expect(outcomes.map((o) => o.kind === 'decided' && o.decision.allowed)).toEqual([
        true,
        true,
        true,
        false,
      ]);
      expect(outcomes[0]).toMatchObject({ kind: 'decided', degraded: true });
      expect(await limiter.peek('k', policy)).toMatchObject({ decision: { allowed: false } });
    });
  });

  describe('when the store fails and the mode is open or closed', () => {
    it.each([
      ['open', 'open'],
      ['closed', 'closed'],
    ] as const)('answers %s', async (storeFailure, kind) => {
      const limiter = await limiterWith({ store: new BrokenStore(), storeFailure });
      const policy = limiter.policy('default');
      if (!policy) throw new Error('no default policy');
      expect(await limiter.consume('k', policy, 1)).toEqual({ kind });
    });
  });

  describe('when the store says it is unavailable', () => {
    it('does not call it at all, and uses it again once available', async () => {
      const store = new BrokenStore();
      store.up = false;
      const limiter = await limiterWith({ store, storeFailure: 'open' });
      const policy = limiter.policy('default');
      if (!policy) throw new Error('no default policy');
      await limiter.consume('k', policy, 1);
      expect(store.calls).toBe(0);
      store.up = true;
      await limiter.consume('k', policy, 1);
      expect(store.calls).toBe(1);
    });
  });

  describe('local decisions', () => {
    it('charges the memory store synchronously, sharing its counts with consume', async () => {
      const limiter = await limiterWith({ limit: 2, clock: () => 0 });
      const policy = limiter.policy('default');
      if (!policy) throw new Error('no default policy');
      expect(limiter.consumeLocal('k', policy, 1)).toMatchObject({
        kind: 'decided',
        decision: { allowed: true, remaining: 1 },
      });
      expect(await limiter.consume('k', policy, 1)).toMatchObject({ decision: { allowed: true } });
      expect(limiter.consumeLocal('k', policy, 1)).toMatchObject({ decision: { allowed: false } });
      expect(limiter.peekLocal('k', policy)).toMatchObject({ decision: { allowed: false } });
    });

    it('leaves a shared store to the asynchronous path, charging nothing', async () => {
      const store = new BrokenStore();
      const limiter = await limiterWith({ store });
      const policy = limiter.policy('default');
      if (!policy) throw new Error('no default policy');
      expect(limiter.consumeLocal('k', policy, 1)).toBeUndefined();
      expect(store.calls).toBe(0);
    });
  });
});

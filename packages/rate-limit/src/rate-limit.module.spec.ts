import { describeModuleRegistration } from '@bulwark/test-harness';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  MemoryRateLimitStore,
  RateLimiter,
  RateLimitModule,
  type RateLimitModuleOptions,
  RedisRateLimitStore,
} from './index.js';

describeModuleRegistration<RateLimitModuleOptions>('RateLimitModule', {
  module: RateLimitModule,
  options: {
    limit: 9,
    windowSeconds: 30,
    policies: { login: { limit: 3, windowSeconds: 300 } },
    env: {},
  },
  factoryMethodName: 'createRateLimitOptions',
  check: (moduleRef) => {
    const limiter = moduleRef.get(RateLimiter);
    expect(limiter.policy('default')).toMatchObject({ limit: 9, windowSeconds: 30 });
    expect(limiter.policy('login')).toMatchObject({ limit: 3, windowSeconds: 300 });
    // Without Redis, the inert store reports ready and is not used.
    expect(limiter.store).toBeInstanceOf(MemoryRateLimitStore);
  },
  checkDefaults: (moduleRef) => {
    const limiter = moduleRef.get(RateLimiter);
    expect(limiter.store).toBeInstanceOf(MemoryRateLimitStore);
    expect(limiter.policy('default')).toMatchObject({ limit: 100, windowSeconds: 60 });
  },
  invalid: [
    {
      options: { limit: -1, env: {} },
      setting: 'limit',
      contains: 'limit: must be an integer from 1 to 1000000000',
    },
    {
      options: { replicas: 0, env: {} },
      setting: 'replicas',
      contains: 'replicas: must be an integer from 1 to 10000',
    },
  ],
});

describe('RateLimitModule', () => {
  describe('when registered with forRootAsync()', () => {
    it('keeps the Redis store inert when no Redis is configured', async () => {
      const ref = await Test.createTestingModule({
        imports: [RateLimitModule.forRootAsync({ useFactory: () => ({ env: {} }) })],
      }).compile();
      expect(ref.get(RedisRateLimitStore).readiness()).toEqual({
        ready: true,
        detail: 'no Redis configured',
      });
    });
  });

  it('refuses a Redis store timeout outside 1 to 60,000 ms, naming the option', () => {
    for (const timeoutMs of [0, -5, 1.5, Number.NaN, 60_001]) {
      expect(() => new RedisRateLimitStore({ timeoutMs })).toThrow(
        'timeoutMs: must be an integer from 1 to 60000',
      );
    }
    expect(new RedisRateLimitStore({ timeoutMs: 1 }).readiness().ready).toBe(true);
  });
});

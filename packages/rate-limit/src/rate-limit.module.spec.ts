import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './exports/limiter.js';
import { MemoryRateLimitStore, RedisRateLimitStore } from './exports/stores.js';
import {
  InjectRateLimitOptions,
  RateLimitModule,
  type RateLimitModuleOptions,
  type ResolvedRateLimitOptions,
} from './index.js';
import type { RateLimitOptionsFactory } from './rate-limit-options.interface.js';

const registered: RateLimitModuleOptions = {
  limit: 9,
  windowSeconds: 30,
  policies: { login: { limit: 3, windowSeconds: 300 } },
  env: {},
};

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class RateLimitConfig implements RateLimitOptionsFactory {
  createRateLimitOptions(): RateLimitModuleOptions {
    return registered;
  }
}

describeModuleRegistration<RateLimitModuleOptions>('RateLimitModule', {
  module: RateLimitModule,
  options: registered,
  optionsFactory: RateLimitConfig,
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

  describe('when an application provider injects the options', () => {
    @Injectable()
    class OptionsReader {
      constructor(@InjectRateLimitOptions() readonly options: ResolvedRateLimitOptions) {}
    }

    it.each([
      ['forRoot', () => RateLimitModule.forRoot({ limit: 9, env: {} })],
      [
        'forRootAsync',
        () => RateLimitModule.forRootAsync({ useFactory: () => ({ limit: 9, env: {} }) }),
      ],
    ])('@InjectRateLimitOptions() gives the resolved options (%s)', async (_, register) => {
      const moduleRef = await Test.createTestingModule({
        imports: [register()],
        providers: [OptionsReader],
      }).compile();
      const { options } = moduleRef.get(OptionsReader);
      expect(options.policies.get('default')).toMatchObject({ limit: 9, windowSeconds: 60 });
      expect(options.storeFailure).toBe('insurance');
      expect(options.keyPrefix).toBe('bulwark:rl:');
      await moduleRef.close();
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

import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  MemoryRateLimitStore,
  RateLimiter,
  RateLimitModule,
  type RateLimitModuleOptions,
  RedisRateLimitStore,
} from './index.js';

@Injectable()
class OptionsFactory {
  createRateLimitOptions(): RateLimitModuleOptions {
    return { limit: 9, windowSeconds: 30, env: {} };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class ConfigModule {}

async function limiterOf(module: ReturnType<typeof RateLimitModule.forRoot>): Promise<RateLimiter> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  await ref.init();
  return ref.get(RateLimiter);
}

describe('RateLimitModule', () => {
  describe('when registered with forRoot() and no options', () => {
    it('uses the memory store and the default policy', async () => {
      const limiter = await limiterOf(RateLimitModule.forRoot());
      expect(limiter.store).toBeInstanceOf(MemoryRateLimitStore);
      expect(limiter.policy('default')).toMatchObject({ limit: 100, windowSeconds: 60 });
    });
  });

  describe('when registered with forRoot() and options', () => {
    it('applies them and validates them at registration', async () => {
      const limiter = await limiterOf(
        RateLimitModule.forRoot({
          limit: 5,
          policies: { login: { limit: 3, windowSeconds: 300 } },
          env: {},
        }),
      );
      expect(limiter.policy('login')).toMatchObject({ limit: 3, windowSeconds: 300 });
      expect(() => RateLimitModule.forRoot({ limit: -1 })).toThrow(
        'limit: must be an integer from 1 to 1000000000',
      );
    });
  });

  describe('when registered with forRootAsync()', () => {
    it('accepts useFactory with inject', async () => {
      const limiter = await limiterOf(
        RateLimitModule.forRootAsync({
          imports: [ConfigModule],
          inject: [OptionsFactory],
          useFactory: (factory: OptionsFactory) => factory.createRateLimitOptions(),
        }),
      );
      expect(limiter.policy('default')).toMatchObject({ limit: 9, windowSeconds: 30 });
      // Without Redis, the inert store reports ready and is not used.
      expect(limiter.store).toBeInstanceOf(MemoryRateLimitStore);
    });

    it('accepts useClass', async () => {
      const limiter = await limiterOf(RateLimitModule.forRootAsync({ useClass: OptionsFactory }));
      expect(limiter.policy('default')).toMatchObject({ limit: 9 });
    });

    it('accepts useExisting', async () => {
      const limiter = await limiterOf(
        RateLimitModule.forRootAsync({ imports: [ConfigModule], useExisting: OptionsFactory }),
      );
      expect(limiter.policy('default')).toMatchObject({ limit: 9 });
    });

    it('validates the options the factory returns, naming the option', async () => {
      const build = Test.createTestingModule({
        imports: [RateLimitModule.forRootAsync({ useFactory: () => ({ replicas: 0, env: {} }) })],
      }).compile();
      await expect(build).rejects.toThrow('replicas: must be an integer from 1 to 10000');
    });

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

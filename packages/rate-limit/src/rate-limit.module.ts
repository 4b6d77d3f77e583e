import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { AuthFailureMiddleware, installAuthFailureHook } from './auth-failure.middleware.js';
import { redactObject, redisLabel } from './internal/redacted.js';
import {
  type ResolvedRateLimitOptions,
  resolveRateLimitOptions,
} from './internal/resolve-options.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import {
  ConfigurableRateLimitModule,
  RATE_LIMIT_ASYNC_OPTIONS_TYPE,
  RATE_LIMIT_OPTIONS,
  RATE_LIMIT_OPTIONS_TYPE,
  RESOLVED_RATE_LIMIT_OPTIONS,
} from './rate-limit.module-definition.js';
import type { RateLimitModuleOptions } from './rate-limit-options.interface.js';
import { RateLimiter } from './rate-limiter.service.js';
import { REDIS_STORE_OPTIONS, RedisRateLimitStore, type RedisStoreOptions } from './redis.store.js';

const redisStoreOptions: Provider = {
  provide: REDIS_STORE_OPTIONS,
  inject: [RESOLVED_RATE_LIMIT_OPTIONS],
  useFactory: (options: ResolvedRateLimitOptions): RedisStoreOptions => {
    const redis = options.store ? undefined : options.redis;
    const storeOptions = { redis, keyPrefix: options.keyPrefix, timeoutMs: options.storeTimeoutMs };
    return redactObject(storeOptions, 'RedisStoreOptions', () => ({
      ...storeOptions,
      redis: redisLabel(redis),
    }));
  },
};

/**
 * Rate limiting for the whole application: a global guard (per principal, or per client
 * address), the per-address limiter of failed authentication attempts, and the memory or Redis
 * store.
 *
 * Import `AuthModule` before `RateLimitModule`, so authentication runs first and limits are
 * keyed by principal.
 *
 * @example
 * ```ts
 * @Module({ imports: [AuthModule.forRoot({ ... }), RateLimitModule.forRoot({ redis: process.env.REDIS_URL })] })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_RATE_LIMIT_OPTIONS,
      inject: [RATE_LIMIT_OPTIONS],
      useFactory: (options: RateLimitModuleOptions) => resolveRateLimitOptions(options),
    },
    redisStoreOptions,
    RateLimiter,
    AuthFailureMiddleware,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [RateLimiter],
})
export class RateLimitModule extends ConfigurableRateLimitModule implements NestModule {
  /**
   * Registers the module with options; unset options come from the environment. Invalid
   * options throw `BulwarkConfigError` here, naming the option.
   */
  static override forRoot(options: typeof RATE_LIMIT_OPTIONS_TYPE = {}): DynamicModule {
    const resolved = resolveRateLimitOptions(options);
    // The options token holds a copy that prints without the Redis password or the environment
    // (`env`, often all of process.env).
    const { env, ...rest } = options;
    const shown = redactObject({ ...options }, 'RateLimitModuleOptions', () => ({
      ...rest,
      redis: redisLabel(options.redis),
      ...(env === undefined ? {} : { env: '[environment]' }),
    }));
    const module = super.forRoot(shown);
    return {
      ...module,
      providers: [
        ...(module.providers ?? []),
        // The `redis` readiness indicator exists only when Redis is in use.
        ...(resolved.redis && !resolved.store ? [RedisRateLimitStore] : []),
      ],
    };
  }

  /**
   * Registers the module with options from a factory, class or existing provider; they are
   * validated when the limiter is created.
   */
  static override forRootAsync(options: typeof RATE_LIMIT_ASYNC_OPTIONS_TYPE): DynamicModule {
    const module = super.forRootAsync(options);
    // Whether Redis is used is known only once the factory ran; the store is inert without it.
    return { ...module, providers: [...(module.providers ?? []), RedisRateLimitStore] };
  }

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authFailure: AuthFailureMiddleware,
  ) {
    super();
  }

  /**
   * Installs the brute-force limiter: a Fastify `onRequest` hook, or Nest middleware on other
   * adapters (see {@link AuthFailureMiddleware}); nothing when `authFailure` is `false`.
   */
  configure(consumer: MiddlewareConsumer): void {
    if (!this.authFailure.enabled) return;
    if (installAuthFailureHook(this.adapterHost.httpAdapter, this.authFailure)) return;
    consumer.apply(AuthFailureMiddleware).forRoutes('*');
  }
}

import { BulwarkPipelineModule, pipelineStep } from '@bulwark/core/pipeline';
import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { AuthFailureLimiter, installAuthFailureLimiter } from './internal/auth-failure-limiter.js';
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
 * Rate limiting for the whole application: the `rate-limit` step of the request pipeline
 * (`BulwarkPipelineModule` of `@bulwark/core`), keyed by principal or by client address, the
 * per-address limiter of failed authentication attempts, and the memory or Redis store.
 *
 * The step runs after authentication and before authorization whatever the order of the
 * imports, so limits are keyed by the principal `AuthModule` found.
 *
 * @example
 * ```ts
 * @Module({ imports: [AuthModule.forRoot({ ... }), RateLimitModule.forRoot({ redis: process.env.REDIS_URL })] })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule, BulwarkPipelineModule],
  providers: [
    {
      provide: RESOLVED_RATE_LIMIT_OPTIONS,
      inject: [RATE_LIMIT_OPTIONS],
      useFactory: (options: RateLimitModuleOptions) => resolveRateLimitOptions(options),
    },
    redisStoreOptions,
    RateLimiter,
    AuthFailureLimiter,
    RateLimitGuard,
    pipelineStep(RateLimitGuard, 'rate-limit'),
  ],
  exports: [RateLimiter, RESOLVED_RATE_LIMIT_OPTIONS],
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
    private readonly authFailure: AuthFailureLimiter,
  ) {
    super();
  }

  /**
   * Installs the brute-force limiter as a request hook of the HTTP server (see
   * {@link installAuthFailureLimiter}), never as Nest middleware; nothing when `authFailure` is
   * `false`. Called while Nest registers middleware: on Express that puts it after CORS and the
   * body parsers and before every route, as Nest middleware was.
   */
  configure(_consumer: MiddlewareConsumer): void {
    if (!this.authFailure.enabled) return;
    const adapter = this.adapterHost.httpAdapter;
    if (adapter) installAuthFailureLimiter(adapter, this.authFailure);
  }
}

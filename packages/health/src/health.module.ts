import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { createHealthController } from './health.controller.js';
import {
  HEALTH_ASYNC_OPTIONS_TYPE,
  HEALTH_OPTIONS,
  HEALTH_OPTIONS_TYPE,
  HealthConfigurableModule,
  RESOLVED_HEALTH_OPTIONS,
  resolvedHealthOptionsProvider,
} from './health.module-definition.js';
import { HealthService } from './health.service.js';
import type { HealthModuleOptions } from './health-options.interface.js';
import { resolveHealthOptions, resolveHealthPath } from './internal/validate-options.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';

/** Holds the `redis` option's indicator, so discovery finds it like any other. */
const REDIS_INDICATOR = 'BULWARK_HEALTH:REDIS_INDICATOR';

/**
 * Kubernetes probes: `GET /health/live`, `/health/ready` and `/health/startup`, public and
 * exempt from rate limiting. Readiness gathers every `@ReadinessIndicator()` provider in the
 * app, each bounded by a timeout and cached briefly.
 *
 * @example
 * ```ts
 * @Module({ imports: [HealthModule.forRoot({ redis: { url: process.env.REDIS_URL! } })] })
 * class AppModule {}
 * ```
 * @example
 * ```ts
 * HealthModule.forRootAsync({
 *   path: 'internal/health',
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ checkTimeoutMs: config.get('HEALTH_TIMEOUT_MS') }),
 * })
 * ```
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
  providers: [
    HealthService,
    resolvedHealthOptionsProvider,
    {
      provide: REDIS_INDICATOR,
      inject: [HEALTH_OPTIONS],
      useFactory: (options: HealthModuleOptions) =>
        options?.redis ? new RedisHealthIndicator(options.redis) : null,
    },
  ],
  exports: [HealthService, RESOLVED_HEALTH_OPTIONS],
})
export class HealthModule extends HealthConfigurableModule {
  /** Registers the probes with options known now; they are validated here. */
  static override forRoot(options: typeof HEALTH_OPTIONS_TYPE = {}): DynamicModule {
    resolveHealthOptions(options);
    resolveHealthPath(options.path);
    if (options.redis) new RedisHealthIndicator(options.redis);
    return withController(super.forRoot(options), options.path);
  }

  /** Registers the probes with options from a factory or class; validated when resolved. */
  static override forRootAsync(options: typeof HEALTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withController(super.forRootAsync(options), options.path);
  }
}

function withController(definition: DynamicModule, path: string | undefined): DynamicModule {
  return { ...definition, controllers: [createHealthController(resolveHealthPath(path))] };
}

import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveMetricsOptions } from './internal/resolve-options.js';
import {
  ConfigurableMetricsModule,
  type METRICS_ASYNC_OPTIONS_TYPE,
  type METRICS_OPTIONS_TYPE,
  RESOLVED_METRICS_OPTIONS,
  resolvedMetricsOptionsProvider,
} from './metrics.module-definition.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus RED metrics by route template, process and runtime metrics, and security counters,
 * served on a separate listener (`METRICS_PORT`, default 9464), never on the public port.
 *
 * @example
 * ```ts
 * @Module({ imports: [MetricsModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [MetricsService, resolvedMetricsOptionsProvider],
  exports: [MetricsService, RESOLVED_METRICS_OPTIONS],
})
export class MetricsModule extends ConfigurableMetricsModule {
  /**
   * Registers the module with static options, validated now.
   *
   * @example
   * ```ts
   * MetricsModule.forRoot({ port: 9464, unmatchedRoute: 'UNMATCHED' });
   * ```
   */
  static override forRoot(options: typeof METRICS_OPTIONS_TYPE = {}): DynamicModule {
    resolveMetricsOptions(options);
    return { ...super.forRoot(options), global: true };
  }

  /**
   * Registers the module with options from a factory, a class or an existing provider. They are
   * validated when `MetricsService` is created.
   *
   * @example
   * ```ts
   * MetricsModule.forRootAsync({ inject: [ConfigService], useFactory: (c) => ({ port: c.get('METRICS_PORT') }) });
   * ```
   */
  static override forRootAsync(options: typeof METRICS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return { ...super.forRootAsync(options), global: true };
  }
}

import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { resolveMetricsOptions } from './internal/resolve-options.js';
import type { MetricsModuleOptions, ResolvedMetricsOptions } from './metrics-options.interface.js';

/** Injection token of the raw {@link MetricsModuleOptions} given to `forRoot`/`forRootAsync`. */
export const METRICS_OPTIONS = 'BULWARK_METRICS:OPTIONS';

/** Injection token of the {@link ResolvedMetricsOptions}, resolved once from {@link METRICS_OPTIONS}. */
export const RESOLVED_METRICS_OPTIONS = 'BULWARK_METRICS:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: ConfigurableMetricsModule,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MetricsModuleOptions>({
  optionsInjectionToken: METRICS_OPTIONS,
  moduleName: 'BulwarkMetrics',
})
  .setClassMethodName('forRoot')
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedMetricsOptionsProvider: Provider = {
  provide: RESOLVED_METRICS_OPTIONS,
  inject: [METRICS_OPTIONS],
  useFactory: (options: MetricsModuleOptions) => resolveMetricsOptions(options),
};

/**
 * Injects the {@link ResolvedMetricsOptions}: the options given to `MetricsModule.forRoot` or
 * `forRootAsync`, validated, with the environment and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectMetricsOptions() options: ResolvedMetricsOptions) {}
 * ```
 */
export const InjectMetricsOptions = (): ParameterDecorator => Inject(RESOLVED_METRICS_OPTIONS);

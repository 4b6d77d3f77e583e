import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { MetricsModuleOptions } from './metrics-options.interface.js';

/** Injection token of the raw {@link MetricsModuleOptions}. */
export const METRICS_OPTIONS = 'BULWARK_METRICS:OPTIONS';

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

/**
 * Injects the {@link MetricsModuleOptions} given to `MetricsModule.forRoot`/`forRootAsync`.
 *
 * @example
 * ```ts
 * constructor(@InjectMetricsOptions() options: MetricsModuleOptions) {}
 * ```
 */
export const InjectMetricsOptions = (): ParameterDecorator => Inject(METRICS_OPTIONS);

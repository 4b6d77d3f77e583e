import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { TracingModuleOptions } from './tracing-options.interface.js';

/** Injection token of the raw {@link TracingModuleOptions}. */
export const TRACING_OPTIONS = 'BULWARK_TRACING:OPTIONS';

export const {
  ConfigurableModuleClass: ConfigurableTracingModule,
  ASYNC_OPTIONS_TYPE: TRACING_ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE: TRACING_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TracingModuleOptions>({
  optionsInjectionToken: TRACING_OPTIONS,
  moduleName: 'BulwarkTracing',
})
  .setClassMethodName('forRoot')
  .build();

/**
 * Injects the {@link TracingModuleOptions} given to `TracingModule.forRoot`/`forRootAsync`.
 *
 * @example
 * ```ts
 * constructor(@InjectTracingOptions() options: TracingModuleOptions) {}
 * ```
 */
export const InjectTracingOptions = (): ParameterDecorator => Inject(TRACING_OPTIONS);

import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { resolveTracingOptions } from './internal/resolve-options.js';
import type { ResolvedTracingOptions, TracingModuleOptions } from './tracing-options.interface.js';

/** Injection token of the raw {@link TracingModuleOptions} given to `forRoot`/`forRootAsync`. */
export const TRACING_OPTIONS = 'BULWARK_TRACING:OPTIONS';

/** Injection token of the {@link ResolvedTracingOptions}, resolved once from {@link TRACING_OPTIONS}. */
export const RESOLVED_TRACING_OPTIONS = 'BULWARK_TRACING:RESOLVED_OPTIONS';

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

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedTracingOptionsProvider: Provider = {
  provide: RESOLVED_TRACING_OPTIONS,
  inject: [TRACING_OPTIONS],
  useFactory: (options: TracingModuleOptions) => resolveTracingOptions(options),
};

/**
 * Injects the {@link ResolvedTracingOptions}: the options given to `TracingModule.forRoot` or
 * `forRootAsync`, validated, with the environment and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectTracingOptions() options: ResolvedTracingOptions) {}
 * ```
 */
export const InjectTracingOptions = (): ParameterDecorator => Inject(RESOLVED_TRACING_OPTIONS);

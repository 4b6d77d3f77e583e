import { type DynamicModule, Module } from '@nestjs/common';
import { resolveTracingOptions } from './internal/resolve-options.js';
import { TracingLifecycle } from './tracing.lifecycle.js';
import {
  ConfigurableTracingModule,
  RESOLVED_TRACING_OPTIONS,
  resolvedTracingOptionsProvider,
  type TRACING_ASYNC_OPTIONS_TYPE,
  type TRACING_OPTIONS_TYPE,
} from './tracing.module-definition.js';

/**
 * The application side of `@bulwark/tracing`: route-template span names on both adapters,
 * exceptions recorded on 5xx spans, the optional principal attribute, and the span flush in
 * `onApplicationShutdown`. The SDK itself is started by the preload entry
 * (`node --import @bulwark/tracing/register`); without it, this module does nothing.
 *
 * @example
 * ```ts
 * @Module({ imports: [TracingModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [TracingLifecycle, resolvedTracingOptionsProvider],
  exports: [RESOLVED_TRACING_OPTIONS],
})
export class TracingModule extends ConfigurableTracingModule {
  /**
   * Registers the module with static options, validated now.
   *
   * @example
   * ```ts
   * TracingModule.forRoot({ recordPrincipal: true, flushTimeoutMs: 2000 });
   * ```
   */
  static override forRoot(options: typeof TRACING_OPTIONS_TYPE = {}): DynamicModule {
    resolveTracingOptions(options);
    return super.forRoot(options);
  }

  /**
   * Registers the module with options from a factory, a class or an existing provider. They are
   * validated when the module starts.
   *
   * @example
   * ```ts
   * TracingModule.forRootAsync({ useFactory: () => ({ recordPrincipal: true }) });
   * ```
   */
  static override forRootAsync(options: typeof TRACING_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}

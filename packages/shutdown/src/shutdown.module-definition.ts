import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { resolveShutdownOptions } from './internal/resolve-options.js';
import type {
  ResolvedShutdownOptions,
  ShutdownModuleOptions,
} from './shutdown-options.interface.js';

/** Injection token of the raw {@link ShutdownModuleOptions} given to `forRoot`/`forRootAsync`. */
export const SHUTDOWN_OPTIONS = 'BULWARK_SHUTDOWN:OPTIONS';

/** Injection token of the {@link ResolvedShutdownOptions}, resolved once from {@link SHUTDOWN_OPTIONS}. */
export const RESOLVED_SHUTDOWN_OPTIONS = 'BULWARK_SHUTDOWN:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: ShutdownConfigurableModule,
  OPTIONS_TYPE: SHUTDOWN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SHUTDOWN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ShutdownModuleOptions>({
  optionsInjectionToken: SHUTDOWN_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createShutdownOptions')
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedShutdownOptionsProvider: Provider = {
  provide: RESOLVED_SHUTDOWN_OPTIONS,
  inject: [SHUTDOWN_OPTIONS],
  useFactory: (options: ShutdownModuleOptions) => resolveShutdownOptions(options),
};

/**
 * Injects the {@link ResolvedShutdownOptions}: the options given to `ShutdownModule.forRoot` or
 * `forRootAsync`, validated, with `SHUTDOWN_*` and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectShutdownOptions() options: ResolvedShutdownOptions) {}
 * ```
 */
export const InjectShutdownOptions = (): ParameterDecorator => Inject(RESOLVED_SHUTDOWN_OPTIONS);

import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import type { ErrorsModuleOptions, ResolvedErrorsOptions } from './errors-options.interface.js';
import { resolveErrorsOptions } from './internal/validate-options.js';

/** Injection token of the raw {@link ErrorsModuleOptions} given to `forRoot`/`forRootAsync`. */
export const ERRORS_OPTIONS = 'BULWARK_ERRORS:OPTIONS';

/** Injection token of the {@link ResolvedErrorsOptions}, resolved once from {@link ERRORS_OPTIONS}. */
export const RESOLVED_ERRORS_OPTIONS = 'BULWARK_ERRORS:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: ErrorsConfigurableModule,
  OPTIONS_TYPE: ERRORS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ERRORS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ErrorsModuleOptions>({ optionsInjectionToken: ERRORS_OPTIONS })
  .setClassMethodName('forRoot')
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedErrorsOptionsProvider: Provider = {
  provide: RESOLVED_ERRORS_OPTIONS,
  inject: [ERRORS_OPTIONS],
  useFactory: (options: ErrorsModuleOptions | undefined) => resolveErrorsOptions(options),
};

/**
 * Injects the {@link ResolvedErrorsOptions}: the options given to `ErrorsModule.forRoot` or
 * `forRootAsync`, validated, with every default applied.
 *
 * @example
 * ```ts
 * constructor(@InjectErrorsOptions() private readonly options: ResolvedErrorsOptions) {}
 * ```
 */
export const InjectErrorsOptions = (): ParameterDecorator => Inject(RESOLVED_ERRORS_OPTIONS);

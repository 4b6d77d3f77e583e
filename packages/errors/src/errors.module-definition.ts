import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import type { ErrorsModuleOptions } from './errors-options.interface.js';
import { validateErrorsOptions } from './internal/validate-options.js';

/** Injection token of the raw {@link ErrorsModuleOptions} given to `forRoot`/`forRootAsync`. */
export const ERRORS_OPTIONS = 'BULWARK_ERRORS:OPTIONS';

/** Injection token of the options validated once from {@link ERRORS_OPTIONS}. */
export const RESOLVED_ERRORS_OPTIONS = 'BULWARK_ERRORS:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: ErrorsConfigurableModule,
  OPTIONS_TYPE: ERRORS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ERRORS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ErrorsModuleOptions>({ optionsInjectionToken: ERRORS_OPTIONS })
  .setClassMethodName('forRoot')
  .build();

/** Validates the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedErrorsOptionsProvider: Provider = {
  provide: RESOLVED_ERRORS_OPTIONS,
  inject: [ERRORS_OPTIONS],
  useFactory: (options: ErrorsModuleOptions | undefined) => validateErrorsOptions(options),
};

/**
 * Injects the {@link ErrorsModuleOptions} given to `ErrorsModule.forRoot` or `forRootAsync`,
 * validated. They have no defaults to apply: an unset option keeps its documented default.
 *
 * @example
 * ```ts
 * constructor(@InjectErrorsOptions() private readonly options: ErrorsModuleOptions) {}
 * ```
 */
export const InjectErrorsOptions = (): ParameterDecorator => Inject(RESOLVED_ERRORS_OPTIONS);

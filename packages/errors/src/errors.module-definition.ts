import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { ErrorsModuleOptions } from './errors-options.interface.js';

/** The injection token of {@link ErrorsModuleOptions}. */
export const ERRORS_OPTIONS = 'BULWARK_ERRORS:OPTIONS';

export const {
  ConfigurableModuleClass: ErrorsConfigurableModule,
  OPTIONS_TYPE: ERRORS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ERRORS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ErrorsModuleOptions>({ optionsInjectionToken: ERRORS_OPTIONS })
  .setClassMethodName('forRoot')
  .build();

/**
 * Injects the {@link ErrorsModuleOptions}.
 *
 * @example
 * ```ts
 * constructor(@InjectErrorsOptions() private readonly options: ErrorsModuleOptions) {}
 * ```
 */
export const InjectErrorsOptions = (): ParameterDecorator => Inject(ERRORS_OPTIONS);

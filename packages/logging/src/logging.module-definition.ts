import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { validateLoggingOptions } from './internal/validate-options.js';
import type { LoggingModuleOptions } from './logging-options.interface.js';

/** Injection token of the raw {@link LoggingModuleOptions} given to `forRoot`/`forRootAsync`. */
export const LOGGING_OPTIONS = 'BULWARK_LOGGING:OPTIONS';

/** Injection token of the options validated once from {@link LOGGING_OPTIONS}. */
export const RESOLVED_LOGGING_OPTIONS = 'BULWARK_LOGGING:RESOLVED_OPTIONS';

/** The injection token of the pino `Logger` the module creates. */
export const PINO_LOGGER = 'BULWARK_LOGGING:PINO';

export const {
  ConfigurableModuleClass: LoggingConfigurableModule,
  OPTIONS_TYPE: LOGGING_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LoggingModuleOptions>({ optionsInjectionToken: LOGGING_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Validates the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedLoggingOptionsProvider: Provider = {
  provide: RESOLVED_LOGGING_OPTIONS,
  inject: [LOGGING_OPTIONS],
  useFactory: (options: LoggingModuleOptions | undefined) => validateLoggingOptions(options),
};

/**
 * Injects the {@link LoggingModuleOptions} given to `LoggingModule.forRoot` or `forRootAsync`,
 * validated. They have no defaults to apply: an unset option keeps its documented default.
 *
 * @example
 * ```ts
 * constructor(@InjectLoggingOptions() private readonly options: LoggingModuleOptions) {}
 * ```
 */
export const InjectLoggingOptions = (): ParameterDecorator => Inject(RESOLVED_LOGGING_OPTIONS);

/**
 * Injects the module's pino `Logger`, for structured application logs.
 *
 * @example
 * ```ts
 * constructor(@InjectPinoLogger() private readonly logger: Logger) {}
 * ```
 */
export const InjectPinoLogger = (): ParameterDecorator => Inject(PINO_LOGGER);

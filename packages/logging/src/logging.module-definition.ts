import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { LoggingModuleOptions } from './logging-options.interface.js';

/** The injection token of {@link LoggingModuleOptions}. */
export const LOGGING_OPTIONS = 'BULWARK_LOGGING:OPTIONS';

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

/**
 * Injects the {@link LoggingModuleOptions}.
 *
 * @example
 * ```ts
 * constructor(@InjectLoggingOptions() private readonly options: LoggingModuleOptions) {}
 * ```
 */
export const InjectLoggingOptions = (): ParameterDecorator => Inject(LOGGING_OPTIONS);

/**
 * Injects the module's pino `Logger`, for structured application logs.
 *
 * @example
 * ```ts
 * constructor(@InjectPinoLogger() private readonly logger: Logger) {}
 * ```
 */
export const InjectPinoLogger = (): ParameterDecorator => Inject(PINO_LOGGER);

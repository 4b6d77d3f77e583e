import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { resolveLoggingOptions } from './internal/validate-options.js';
import type { LoggingModuleOptions, ResolvedLoggingOptions } from './logging-options.interface.js';

/** Injection token of the raw {@link LoggingModuleOptions} given to `forRoot`/`forRootAsync`. */
export const LOGGING_OPTIONS = 'BULWARK_LOGGING:OPTIONS';

/** Injection token of the {@link ResolvedLoggingOptions}, resolved once from {@link LOGGING_OPTIONS}. */
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

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedLoggingOptionsProvider: Provider = {
  provide: RESOLVED_LOGGING_OPTIONS,
  inject: [LOGGING_OPTIONS],
  useFactory: (options: LoggingModuleOptions | undefined) => resolveLoggingOptions(options),
};

/**
 * Injects the {@link ResolvedLoggingOptions}: the options given to `LoggingModule.forRoot` or
 * `forRootAsync`, validated, with the environment (`LOG_LEVEL`, `LOG_FLUSH_INTERVAL_MS`) and
 * the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectLoggingOptions() private readonly options: ResolvedLoggingOptions) {}
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

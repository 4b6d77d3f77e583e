import {
  type DynamicModule,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger as PinoLogger } from 'pino';
import { installAccessLog } from './access-log.js';
import { BulwarkLogger } from './bulwark-logger.service.js';
import { loggerFrom } from './create-logger.js';
import { flushOutputSync } from './internal/output.js';
import { resolveLoggingOptions } from './internal/validate-options.js';
import {
  LOGGING_OPTIONS_TYPE,
  LoggingConfigurableModule,
  PINO_LOGGER,
  RESOLVED_LOGGING_OPTIONS,
  resolvedLoggingOptionsProvider,
} from './logging.module-definition.js';
import type { ResolvedLoggingOptions } from './logging-options.interface.js';
import { logSecurityEvents } from './security-event.logger.js';

/** Wires the logger into the app once modules initialise, and unwires it at shutdown. */
class LoggingInstaller implements OnModuleInit, OnApplicationShutdown {
  private stopEvents: (() => void) | undefined;

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly options: ResolvedLoggingOptions,
    private readonly pino: PinoLogger,
    private readonly logger: BulwarkLogger,
  ) {}

  onModuleInit(): void {
    if (this.options.nestLogger) Logger.overrideLogger(this.logger);
    if (this.options.securityEvents) this.stopEvents = logSecurityEvents(this.pino);
    const adapter = this.host.httpAdapter;
    if (adapter && this.options.accessLog) {
      installAccessLog(adapter, this.pino, this.options.clock);
    }
  }

  onApplicationShutdown(): void {
    this.stopEvents?.();
    this.stopEvents = undefined;
    // Synchronously: Nest's own shutdown hooks re-raise the signal right after, ending the
    // process before an asynchronous write could finish.
    flushOutputSync(this.pino);
    this.pino.flush();
  }
}

/**
 * JSON logging for an app: a pino logger (injectable with `@InjectPinoLogger()`), a
 * `BulwarkLogger` that Nest's `Logger` is routed to, one access line per HTTP request and a
 * line per security event. Global by default (`isGlobal: false` to scope it).
 *
 * Register with `forRoot(options)` or `forRootAsync({ useFactory, inject } | { useClass } |
 * { useExisting })`; async options are validated when the logger is built.
 *
 * @example
 * ```ts
 * @Module({ imports: [LoggingModule.forRoot({ base: { service: 'notes' } })] })
 * export class AppModule {}
 *
 * // main.ts: framework logs written before the module initialises are buffered, then JSON
 * const app = await NestFactory.create(AppModule, { bufferLogs: true });
 * app.useLogger(app.get(BulwarkLogger));
 * ```
 */
@Module({
  providers: [
    resolvedLoggingOptionsProvider,
    {
      provide: PINO_LOGGER,
      inject: [RESOLVED_LOGGING_OPTIONS],
      useFactory: (options: ResolvedLoggingOptions) => loggerFrom(options),
    },
    {
      provide: BulwarkLogger,
      inject: [PINO_LOGGER],
      useFactory: (pino: PinoLogger) => new BulwarkLogger(pino),
    },
    {
      provide: LoggingInstaller,
      inject: [HttpAdapterHost, RESOLVED_LOGGING_OPTIONS, PINO_LOGGER, BulwarkLogger],
      useFactory: (
        host: HttpAdapterHost,
        options: ResolvedLoggingOptions,
        pino: PinoLogger,
        logger: BulwarkLogger,
      ) => new LoggingInstaller(host, options, pino, logger),
    },
  ],
  exports: [PINO_LOGGER, BulwarkLogger, RESOLVED_LOGGING_OPTIONS],
})
export class LoggingModule extends LoggingConfigurableModule {
  /**
   * Registers the module with options, validated now.
   *
   * @default `{ accessLog: true, securityEvents: true, nestLogger: true, isGlobal: true }`
   */
  static override forRoot(options: typeof LOGGING_OPTIONS_TYPE = {}): DynamicModule {
    resolveLoggingOptions(options);
    return super.forRoot(options);
  }
}

import { type DynamicModule, Module, type OnModuleInit, type PipeTransform } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import {
  ERRORS_OPTIONS_TYPE,
  ErrorsConfigurableModule,
  RESOLVED_ERRORS_OPTIONS,
  resolvedErrorsOptionsProvider,
} from './errors.module-definition.js';
import type { ResolvedErrorsOptions } from './errors-options.interface.js';
import { resolveErrorsOptions } from './internal/validate-options.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { installRequestIds } from './request-id.js';
import { applicationValidationPipe } from './validation.pipe.js';

/** Passes values through when validation is switched off. */
class NoValidationPipe implements PipeTransform {
  transform(value: unknown): unknown {
    return value;
  }
}

/** Installs request ids on the adapter once the app's modules initialise. */
class RequestIdInstaller implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly options: ResolvedErrorsOptions,
  ) {}

  onModuleInit(): void {
    const adapter = this.host.httpAdapter;
    if (adapter && this.options.requestIds) {
      installRequestIds(adapter);
    }
  }
}

/**
 * Register with `forRoot(options)` or `forRootAsync({ useFactory, inject } | { useClass } |
 * { useExisting })`; async options are validated when the pipe is built.
 *
 * Safe errors for an existing app: the global {@link ProblemDetailsFilter}, the global
 * {@link StrictValidationPipe} (with no protected fields unless `validation.protectedFields`
 * names them) and request ids. The hardened body parser must be installed on the app
 * before it initialises: call `useSafeBodyParser(app)` in `main.ts`, or use
 * `applyErrorHandling(app)` instead of this module.
 *
 * @example
 * ```ts
 * @Module({ imports: [ErrorsModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [
    resolvedErrorsOptionsProvider,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    {
      provide: APP_PIPE,
      inject: [RESOLVED_ERRORS_OPTIONS],
      useFactory: ({ validation }: ResolvedErrorsOptions) =>
        validation === false ? new NoValidationPipe() : applicationValidationPipe(validation),
    },
    {
      provide: RequestIdInstaller,
      inject: [HttpAdapterHost, RESOLVED_ERRORS_OPTIONS],
      useFactory: (host: HttpAdapterHost, options: ResolvedErrorsOptions) =>
        new RequestIdInstaller(host, options),
    },
  ],
  exports: [RESOLVED_ERRORS_OPTIONS],
})
export class ErrorsModule extends ErrorsConfigurableModule {
  /**
   * Registers the module with options, validated now.
   *
   * @default `{ validation: true, requestIds: true }`
   */
  static override forRoot(options: typeof ERRORS_OPTIONS_TYPE = {}): DynamicModule {
    resolveErrorsOptions(options);
    return super.forRoot(options);
  }
}

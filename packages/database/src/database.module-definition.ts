import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
  ResolvedDatabaseOptions,
} from './database-options.interface.js';
import { resolveDatabaseOptions } from './internal/validate-options.js';

/** Injection token of the raw {@link DatabaseModuleOptions} given to `forRoot`/`forRootAsync`. */
export const DATABASE_OPTIONS = 'BULWARK_DATABASE:OPTIONS';

/**
 * Injection token of the {@link ResolvedDatabaseOptions}, resolved once from
 * {@link DATABASE_OPTIONS}.
 */
export const RESOLVED_DATABASE_OPTIONS = 'BULWARK_DATABASE:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: DatabaseConfigurableModule,
  OPTIONS_TYPE: DATABASE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DATABASE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DatabaseModuleOptions>({
  optionsInjectionToken: DATABASE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createDatabaseOptions')
  // `DatabaseModule` adds the exception mapper for `mapErrors`; the module definition stays free
  // of providers so that it imports only the options, the resolver and constants.
  .setExtras<DatabaseModuleExtras>({ isGlobal: true, mapErrors: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedDatabaseOptionsProvider: Provider = {
  provide: RESOLVED_DATABASE_OPTIONS,
  inject: [DATABASE_OPTIONS],
  useFactory: (options: DatabaseModuleOptions) => resolveDatabaseOptions(options),
};

/**
 * Injects the {@link ResolvedDatabaseOptions}: the options given to `DatabaseModule.forRoot` or
 * `forRootAsync`, validated, with every default applied.
 *
 * @example
 * ```ts
 * constructor(@InjectDatabaseOptions() private readonly options: ResolvedDatabaseOptions) {}
 * ```
 */
export const InjectDatabaseOptions = (): ParameterDecorator => Inject(RESOLVED_DATABASE_OPTIONS);

import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { BulwarkDatabase } from './bulwark-database.js';
import {
  DATABASE_ASYNC_OPTIONS_TYPE,
  DATABASE_OPTIONS,
  DATABASE_OPTIONS_TYPE,
  DatabaseConfigurableModule,
  InjectDatabaseOptions,
  RESOLVED_DATABASE_OPTIONS,
  resolvedDatabaseOptionsProvider,
} from './database.module-definition.js';
import type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
  ResolvedDatabaseOptions,
} from './database-options.interface.js';
import { DatabaseExceptionMapperRegistration } from './internal/exception-mapper.js';
import { describe } from './internal/rotating-pool.js';
import { validateDatabaseOptions } from './internal/validate-options.js';

/**
 * Provides {@link BulwarkDatabase} (inject it with `InjectDatabase()`): PostgreSQL from
 * `DATABASE_URL` with verified TLS and rotating credentials, or embedded PGlite outside
 * production. It is the `database` readiness indicator and shutdown hook, and database errors
 * thrown by handlers become problems. At start-up it logs whether the schema version is the
 * one this build needs; it never migrates.
 *
 * @example
 * ```ts
 * @Module({ imports: [DatabaseModule.forRoot({ schema, expectedSchemaVersion: 1 })] })
 * class AppModule {}
 * ```
 * @example
 * ```ts
 * DatabaseModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ statementTimeoutMs: config.get('DB_TIMEOUT') }),
 * })
 * ```
 */
@Module({
  providers: [
    resolvedDatabaseOptionsProvider,
    {
      provide: BulwarkDatabase,
      inject: [DATABASE_OPTIONS],
      useFactory: (options: DatabaseModuleOptions) => BulwarkDatabase.open(options ?? {}),
    },
  ],
  exports: [BulwarkDatabase, RESOLVED_DATABASE_OPTIONS],
})
export class DatabaseModule extends DatabaseConfigurableModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(BulwarkDatabase) private readonly database: BulwarkDatabase<Record<string, unknown>>,
    @InjectDatabaseOptions() private readonly options: ResolvedDatabaseOptions,
  ) {
    super();
  }

  /** Registers the database with options known now; they are validated here. */
  static override forRoot(options: typeof DATABASE_OPTIONS_TYPE = {}): DynamicModule {
    validateDatabaseOptions(options);
    return withExceptionMapper(super.forRoot(options), options);
  }

  /** Registers the database with options from a factory or class; validated when resolved. */
  static override forRootAsync(options: typeof DATABASE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withExceptionMapper(super.forRootAsync(options), options);
  }

  /** @internal Logs where the database is, and a schema-version mismatch. */
  async onApplicationBootstrap(): Promise<void> {
    this.logger.log(`using ${this.database.target}`);
    if (this.options.expectedSchemaVersion === undefined) return;
    try {
      const check = await this.database.checkSchemaVersion();
      if (!check.ok) this.logger.error(`not ready: ${check.message}`);
    } catch (error) {
      this.logger.warn(`the schema version could not be read yet: ${describe(error)}`);
    }
  }
}

/** Adds the exception mapper unless `mapErrors` is `false` (the extra defaults to `true`). */
function withExceptionMapper(
  definition: DynamicModule,
  extras: DatabaseModuleExtras,
): DynamicModule {
  const { mapErrors } = { mapErrors: true, ...extras };
  if (!mapErrors) return definition;
  return {
    ...definition,
    providers: [...(definition.providers ?? []), DatabaseExceptionMapperRegistration],
  };
}

import type { Environment } from '@bulwark/core/env';

/**
 * Options of {@link BulwarkDatabase.open} and `DatabaseModule.forRoot`. The connection itself
 * comes from the environment (see the README): `DATABASE_URL` or `DATABASE_URL_FILE`,
 * `DATABASE_PASSWORD_FILE`, `DATABASE_CA_FILE`, `DATABASE_ALLOW_PLAINTEXT` and `NODE_ENV`.
 *
 * @example
 * ```ts
 * { schema, expectedSchemaVersion: 3, statementTimeoutMs: 5000 }
 * ```
 */
export interface DatabaseOptions<TSchema extends Record<string, unknown> = Record<string, never>> {
  /** Where the variables are read. @default process.env */
  env?: Environment;
  /**
   * Outside production with no `DATABASE_URL`: where embedded PGlite keeps its files, or
   * `'memory'` for a throw-away database (tests). Never used in production, which requires
   * `DATABASE_URL`. @default '.data/pglite'
   */
  embedded?: string;
  /** The Drizzle schema (tables and relations), for typed relational queries. */
  schema?: TSchema;
  /**
   * The schema version this build needs (the highest migration version it ships). When set,
   * readiness is refused while the applied version differs, naming both.
   */
  expectedSchemaVersion?: number;
  /**
   * A folder of migration files applied when, and only when, the database is embedded PGlite
   * (development and tests), so that `npm start` and the tests need no separate step. Ignored on
   * PostgreSQL, where `bulwark-migrate` applies them as the migration role.
   * @default none: nothing is applied
   */
  embeddedMigrations?: string;
  /** The table where applied migrations are recorded. @default 'bulwark_schema_migrations' */
  migrationsTable?: string;
  /**
   * `statement_timeout` of every PostgreSQL session, in ms (1 to 3,600,000). PGlite ignores it.
   * @default 15000
   */
  statementTimeoutMs?: number;
  /**
   * `idle_in_transaction_session_timeout` of every PostgreSQL session, in ms (1 to 3,600,000).
   * @default 30000
   */
  idleInTransactionTimeoutMs?: number;
  /** How long opening one PostgreSQL connection may take, in ms (1 to 600,000). @default 5000 */
  connectionTimeoutMs?: number;
  /** Pooled PostgreSQL connections per process (1 to 1000). @default 10 */
  poolMax?: number;
  /** An idle pooled connection is closed after this many ms (1 to 3,600,000). @default 30000 */
  idleTimeoutMs?: number;
  /**
   * How often `DATABASE_PASSWORD_FILE` is re-read, in ms (10 to 3,600,000). It is also re-read
   * at once when the server refuses the password. @default 5000
   */
  passwordCheckMs?: number;
}

/** Options of `DatabaseModule.forRoot`: those of `BulwarkDatabase.open`. */
export type DatabaseModuleOptions = DatabaseOptions<Record<string, unknown>>;

/** Settings of the module itself, given beside the options in `forRoot` and `forRootAsync`. */
export interface DatabaseModuleExtras {
  /** Makes `BulwarkDatabase` injectable everywhere without importing the module again. @default true */
  isGlobal?: boolean;
  /**
   * Registers `mapDatabaseError` as an exception mapper of the app (`registerExceptionMapper` of
   * `@bulwark/core`), so that `@bulwark/errors`' `ProblemDetailsFilter` answers database errors
   * thrown anywhere in a request (handler, guard, loader) with problems (409, 400, 503) naming no
   * SQL. Needs that filter (`ErrorsModule` or `applyErrorHandling`); without it such an error
   * is Nest's generic 500. @default true
   */
  mapErrors?: boolean;
}

/**
 * A class that makes the options, for `forRootAsync({ useClass })` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class DatabaseConfig implements DatabaseOptionsFactory {
 *   createDatabaseOptions() { return { statementTimeoutMs: 5000 }; }
 * }
 * ```
 */
export interface DatabaseOptionsFactory {
  /** Returns the options, possibly after reading configuration. */
  createDatabaseOptions(): DatabaseModuleOptions | Promise<DatabaseModuleOptions>;
}

/**
 * {@link DatabaseModuleOptions} validated, with every default applied, as
 * `@InjectDatabaseOptions()` gives them.
 *
 * @example
 * ```ts
 * constructor(@InjectDatabaseOptions() private readonly options: ResolvedDatabaseOptions) {}
 * ```
 */
export interface ResolvedDatabaseOptions {
  /** Where the variables are read. @default process.env */
  env: Environment;
  /** PGlite's directory, or `'memory'`, outside production without `DATABASE_URL`. @default '.data/pglite' */
  embedded: string;
  /** The Drizzle schema, when given. */
  schema: Record<string, unknown> | undefined;
  /** The schema version this build needs, when given. */
  expectedSchemaVersion: number | undefined;
  /** The folder of migrations applied on embedded PGlite, when given. */
  embeddedMigrations: string | undefined;
  /** @default 'bulwark_schema_migrations' */
  migrationsTable: string;
  /** @default 15000 */
  statementTimeoutMs: number;
  /** @default 30000 */
  idleInTransactionTimeoutMs: number;
  /** @default 5000 */
  connectionTimeoutMs: number;
  /** @default 10 */
  poolMax: number;
  /** @default 30000 */
  idleTimeoutMs: number;
  /** @default 5000 */
  passwordCheckMs: number;
}

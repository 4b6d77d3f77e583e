import type { DatabaseOptions } from './database-options.interface.js';

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

/** A class that makes the options, for `forRootAsync({ useClass })`. */
export interface DatabaseOptionsFactory {
  /** Returns the options, possibly after reading configuration. */
  createDatabaseOptions(): DatabaseModuleOptions | Promise<DatabaseModuleOptions>;
}

import { BulwarkError } from '@bulwark/core';

/** Codes of {@link DatabaseError}. */
export type DatabaseErrorCode =
  | 'DATABASE_MIGRATION_INVALID'
  | 'DATABASE_MIGRATION_CHANGED'
  | 'DATABASE_MIGRATION_FAILED'
  | 'DATABASE_SCHEMA_MISMATCH'
  | 'DATABASE_CLOSED';

/**
 * An error this package throws on purpose, other than a configuration error (those are
 * `BulwarkConfigError`s naming the option or environment variable). Its message holds no SQL
 * parameters and no credentials.
 *
 * @example
 * ```ts
 * try { await runMigrations(database, { directory: 'migrations' }); }
 * catch (error) { if (error instanceof DatabaseError && error.code === 'DATABASE_MIGRATION_CHANGED') … }
 * ```
 */
export class DatabaseError extends BulwarkError<DatabaseErrorCode> {}

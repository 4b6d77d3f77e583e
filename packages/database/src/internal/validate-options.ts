import { BulwarkConfigError } from '@bulwark/core';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_EMBEDDED_DIRECTORY,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_TABLE,
  DEFAULT_PASSWORD_CHECK_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from '../database.constants.js';
import type { DatabaseOptions, ResolvedDatabaseOptions } from '../database-options.interface.js';

/** The numeric settings, defaulted and checked. */
export interface DatabaseSettings {
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  connectionTimeoutMs: number;
  poolMax: number;
  idleTimeoutMs: number;
  passwordCheckMs: number;
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(name, `must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** Matches a table name, optionally schema-qualified, without quoting. */
const TABLE_NAME = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;

/** Checks every option once; throws a `BulwarkConfigError` naming the option. */
export function validateDatabaseOptions(
  options: DatabaseOptions<Record<string, unknown>> | DatabaseOptions,
): DatabaseSettings {
  if (typeof options !== 'object' || options === null) {
    throw new BulwarkConfigError('database options', 'must be an object.');
  }
  if (
    options.migrationsTable !== undefined &&
    (typeof options.migrationsTable !== 'string' || !TABLE_NAME.test(options.migrationsTable))
  ) {
    throw new BulwarkConfigError(
      'migrationsTable',
      'must be a lower-case table name such as bulwark_schema_migrations (optionally schema.table).',
    );
  }
  if (options.expectedSchemaVersion !== undefined) {
    integer('expectedSchemaVersion', options.expectedSchemaVersion, 0, 0, Number.MAX_SAFE_INTEGER);
  }
  if (
    options.embeddedMigrations !== undefined &&
    (typeof options.embeddedMigrations !== 'string' || options.embeddedMigrations.trim() === '')
  ) {
    throw new BulwarkConfigError(
      'embeddedMigrations',
      'must be the folder of the migration files.',
    );
  }
  if (
    options.embedded !== undefined &&
    (typeof options.embedded !== 'string' || options.embedded.trim() === '')
  ) {
    throw new BulwarkConfigError('embedded', "must be a directory or 'memory'.");
  }
  return {
    statementTimeoutMs: integer(
      'statementTimeoutMs',
      options.statementTimeoutMs,
      DEFAULT_STATEMENT_TIMEOUT_MS,
      1,
      3_600_000,
    ),
    idleInTransactionTimeoutMs: integer(
      'idleInTransactionTimeoutMs',
      options.idleInTransactionTimeoutMs,
      DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      1,
      3_600_000,
    ),
    connectionTimeoutMs: integer(
      'connectionTimeoutMs',
      options.connectionTimeoutMs,
      DEFAULT_CONNECTION_TIMEOUT_MS,
      1,
      600_000,
    ),
    poolMax: integer('poolMax', options.poolMax, DEFAULT_POOL_MAX, 1, 1000),
    idleTimeoutMs: integer(
      'idleTimeoutMs',
      options.idleTimeoutMs,
      DEFAULT_IDLE_TIMEOUT_MS,
      1,
      3_600_000,
    ),
    passwordCheckMs: integer(
      'passwordCheckMs',
      options.passwordCheckMs,
      DEFAULT_PASSWORD_CHECK_MS,
      10,
      3_600_000,
    ),
  };
}

/**
 * The options validated (a `BulwarkConfigError` naming the option otherwise), with every
 * default applied.
 */
export function resolveDatabaseOptions(
  options: DatabaseOptions<Record<string, unknown>> | undefined,
): ResolvedDatabaseOptions {
  const given = options ?? {};
  const settings = validateDatabaseOptions(given);
  return {
    env: given.env ?? process.env,
    embedded: given.embedded ?? DEFAULT_EMBEDDED_DIRECTORY,
    schema: given.schema,
    expectedSchemaVersion: given.expectedSchemaVersion,
    embeddedMigrations: given.embeddedMigrations,
    migrationsTable: given.migrationsTable ?? DEFAULT_MIGRATIONS_TABLE,
    ...settings,
  };
}

/** Checks a migrations table name; exported for the migration runner. */
export function checkTableName(name: string, setting: string): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw new BulwarkConfigError(
      setting,
      'must be a lower-case table name such as bulwark_schema_migrations (optionally schema.table).',
    );
  }
  return name;
}

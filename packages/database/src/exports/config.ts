/**
 * Where the database is: the connection settings decided from the environment (`DATABASE_URL`,
 * `DATABASE_PASSWORD_FILE`, `DATABASE_CA_FILE`...), with the TLS rules checked, as
 * `BulwarkDatabase.open` and `bulwark-migrate` decide them; for a check of the configuration
 * before start-up.
 *
 * @packageDocumentation
 */
export type {
  DatabaseConfig,
  DatabaseTls,
  EmbeddedConfig,
  PostgresConfig,
} from '../database-config.js';
export { resolveDatabaseConfig } from '../database-config.js';

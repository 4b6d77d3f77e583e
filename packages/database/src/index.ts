export type {
  DatabaseQueryResultHKT,
  DrizzleDatabase,
  SchemaVersionCheck,
} from './bulwark-database.js';
export { BulwarkDatabase } from './bulwark-database.js';
export { InjectDatabase, InjectDatabaseOptions } from './database.decorator.js';
export type { DatabaseErrorCode } from './database.error.js';
export { DatabaseError } from './database.error.js';
export { DatabaseModule } from './database.module.js';
export type {
  DatabaseConfig,
  DatabaseTls,
  EmbeddedConfig,
  PostgresConfig,
} from './database-config.js';
export { resolveDatabaseConfig } from './database-config.js';
export { DatabaseErrorInterceptor, mapDatabaseError } from './database-error-mapping.js';
export type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
  DatabaseOptionsFactory,
} from './database-module-options.interface.js';
export type { DatabaseOptions } from './database-options.interface.js';
export type { Migration, MigrationOptions, MigrationResult } from './migrations.js';
export { latestMigrationVersion, migrate, readMigrations, runMigrations } from './migrations.js';
export type { ScopeQueryOptions } from './scope-query.js';
export { scopeQuery } from './scope-query.js';

// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { DatabaseModule } from './database.module.js';
export { InjectDatabaseOptions } from './database.module-definition.js';
export { InjectDatabase } from './database.decorator.js';
export type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
  DatabaseOptions,
  DatabaseOptionsFactory,
  ResolvedDatabaseOptions,
} from './database-options.interface.js';

// Database
export type {
  DatabaseQueryResultHKT,
  DrizzleDatabase,
  SchemaVersionCheck,
} from './bulwark-database.js';
export { BulwarkDatabase } from './bulwark-database.js';
export type {
  DatabaseConfig,
  DatabaseTls,
  EmbeddedConfig,
  PostgresConfig,
} from './database-config.js';
export { resolveDatabaseConfig } from './database-config.js';
export type { ScopeQueryOptions } from './scope-query.js';
export { scopeQuery } from './scope-query.js';

// Migrations
export type { Migration, MigrationOptions, MigrationResult } from './migrations.js';
export { latestMigrationVersion, migrate, readMigrations, runMigrations } from './migrations.js';

// Errors
export { DatabaseErrorInterceptor, mapDatabaseError } from './database-error-mapping.js';
export type { DatabaseErrorCode } from './database.error.js';
export { DatabaseError } from './database.error.js';

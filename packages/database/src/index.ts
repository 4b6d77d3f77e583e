// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/database`: what an application calls or types. Migrations, the Drizzle types behind
 * `BulwarkDatabase.db` and the connection settings read from the environment are in the subpath
 * entry points (`@bulwark/database/migrations`, `/drizzle`, `/config`), listed in the README.
 *
 * @packageDocumentation
 */

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
export { BulwarkDatabase } from './bulwark-database.js';
export type { ScopeQueryOptions } from './scope-query.js';
export { scopeQuery } from './scope-query.js';

// Errors
export { DatabaseErrorInterceptor, mapDatabaseError } from './database-error-mapping.js';
export type { DatabaseErrorCode } from './database.error.js';
export { DatabaseError } from './database.error.js';

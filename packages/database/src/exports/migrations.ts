/**
 * Migrations: versioned plain SQL files, read, checked and applied (the code behind
 * `bulwark-migrate`), and the schema-version check readiness uses.
 *
 * @packageDocumentation
 */
export type { SchemaVersionCheck } from '../bulwark-database.js';
export type { Migration, MigrationOptions, MigrationResult } from '../migrations.js';
export { latestMigrationVersion, migrate, readMigrations, runMigrations } from '../migrations.js';

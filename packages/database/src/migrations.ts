import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { BulwarkDatabase } from './bulwark-database.js';
import { DEFAULT_MIGRATIONS_TABLE } from './database.constants.js';
import { DatabaseError } from './database.error.js';
import type { DatabaseOptions } from './database-options.interface.js';
import { rawAccess } from './internal/raw-session.js';
import { describe } from './internal/rotating-pool.js';
import { readSchemaVersion } from './internal/schema-version.js';
import { checkTableName } from './internal/validate-options.js';

/** One versioned SQL file, such as `0003_add_note_tags.sql`. */
export interface Migration {
  /** The number before the first `_`. */
  version: number;
  /** The rest of the file name, without `.sql`. */
  name: string;
  /** The file name. */
  file: string;
  /** The SQL script. */
  sql: string;
  /** SHA-256 of the script, recorded when applied, so that an edited file is noticed. */
  checksum: string;
}

/** Options of {@link runMigrations}. */
export interface MigrationOptions {
  /** The folder of `<version>_<name>.sql` files. */
  directory: string;
  /** The table where applied versions are recorded. @default 'bulwark_schema_migrations' */
  table?: string;
  /** Told about each step. @default nothing is printed */
  log?: (line: string) => void;
}

/** What {@link runMigrations} did. */
export interface MigrationResult {
  /** The versions applied by this run, in order. */
  applied: readonly { version: number; name: string }[];
  /** The schema version after the run. */
  schemaVersion: number;
}

const FILE_NAME = /^(\d{1,15})_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;
/** An arbitrary constant key for `pg_advisory_lock`, so that two runs never interleave. */
const LOCK_KEY = 7_351_004_912;

/**
 * Reads the migration files of a folder, in version order. Files not ending in `.sql` are
 * ignored; a `.sql` file not named `<version>_<name>.sql`, a version 0 or a repeated version is
 * an error.
 *
 * @example
 * ```ts
 * readMigrations('migrations'); // [{ version: 1, name: 'create_notes', … }]
 * ```
 */
export function readMigrations(directory: string): Migration[] {
  let files: string[];
  try {
    files = readdirSync(directory);
  } catch (error) {
    throw new BulwarkConfigError(
      'directory',
      `the migrations folder ${resolve(directory)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      { cause: error },
    );
  }
  const migrations: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of files.filter((name) => name.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    const version = match ? Number(match[1]) : 0;
    if (!match || version < 1) {
      throw new DatabaseError(
        'DATABASE_MIGRATION_INVALID',
        `${file}: a migration file must be named <version>_<name>.sql with a version from 1, such as 0001_create_notes.sql`,
      );
    }
    const other = seen.get(version);
    if (other !== undefined) {
      throw new DatabaseError(
        'DATABASE_MIGRATION_INVALID',
        `${file} and ${other} have the same version ${version}`,
      );
    }
    seen.set(version, file);
    const sql = readFileSync(join(directory, file), 'utf8');
    migrations.push({
      version,
      name: match[2] as string,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * The highest version in a migrations folder: the schema version a build made with these files
 * needs. Pass it as `expectedSchemaVersion`.
 */
export function latestMigrationVersion(directory: string): number {
  return readMigrations(directory).at(-1)?.version ?? 0;
}

/**
 * Applies the pending migrations of a folder, each in its own transaction with its record in
 * the migrations table. Run it as its own step with the migration role (`npm run migrate`,
 * a Kubernetes Job), never from the service at start-up: the service's role has no DDL rights.
 *
 * On PostgreSQL, a session advisory lock keeps two runs from interleaving. A file changed after
 * it was applied, an applied version without its file, or a new version below an applied one
 * stops the run before anything is applied.
 *
 * @example
 * ```ts
 * const database = await BulwarkDatabase.open();
 * try { await runMigrations(database, { directory: 'migrations', log: console.log }); }
 * finally { await database.close(); }
 * ```
 */
export async function runMigrations(
  database: BulwarkDatabase<Record<string, unknown>> | BulwarkDatabase,
  options: MigrationOptions,
): Promise<MigrationResult> {
  const table = checkTableName(options.table ?? DEFAULT_MIGRATIONS_TABLE, 'table');
  const log = options.log ?? (() => undefined);
  const migrations = readMigrations(options.directory);
  const access = rawAccess(database);
  if (!access || database.closed)
    throw new DatabaseError('DATABASE_CLOSED', 'the database is not open');
  return access.session(async (session, transaction) => {
    if (access.shared) await session.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await session.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const rows = await session.query<{ version: string | number; checksum: string }>(
        `SELECT version, checksum FROM ${table} ORDER BY version`,
      );
      const applied = new Map(rows.map((row) => [Number(row.version), row.checksum]));
      const byVersion = new Map(migrations.map((migration) => [migration.version, migration]));
      for (const [version, checksum] of applied) {
        const migration = byVersion.get(version);
        if (!migration) {
          throw new DatabaseError(
            'DATABASE_MIGRATION_INVALID',
            `version ${version} is applied but has no file in ${options.directory}: this build is older than the database`,
          );
        }
        if (migration.checksum !== checksum) {
          throw new DatabaseError(
            'DATABASE_MIGRATION_CHANGED',
            `${migration.file} changed after it was applied; add a new migration instead of editing an applied one`,
          );
        }
      }
      const highest = Math.max(0, ...applied.keys());
      const pending = migrations.filter((migration) => !applied.has(migration.version));
      const early = pending.find((migration) => migration.version < highest);
      if (early) {
        throw new DatabaseError(
          'DATABASE_MIGRATION_INVALID',
          `${early.file} is new but version ${highest} is already applied; give it a version above ${highest}`,
        );
      }
      const done: { version: number; name: string }[] = [];
      for (const migration of pending) {
        log(`applying ${migration.file}`);
        try {
          await transaction(async (tx) => {
            await tx.exec(migration.sql);
            await tx.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
              migration.version,
              migration.name,
              migration.checksum,
            ]);
          });
        } catch (error) {
          throw new DatabaseError(
            'DATABASE_MIGRATION_FAILED',
            `${migration.file} failed and was rolled back: ${describe(error)}`,
            { cause: error },
          );
        }
        done.push({ version: migration.version, name: migration.name });
      }
      const schemaVersion = await readSchemaVersion(session, table);
      log(
        done.length === 0
          ? `schema version ${schemaVersion}: nothing to apply`
          : `schema version ${schemaVersion}`,
      );
      return { applied: done, schemaVersion };
    } finally {
      if (access.shared)
        await session.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    }
  });
}

/**
 * Opens the database from the environment (the migration role's `DATABASE_URL` or files),
 * applies the pending migrations and closes it. What `bulwark-migrate` runs.
 *
 * @example
 * ```ts
 * await migrate({ directory: 'migrations', log: console.log });
 * ```
 */
export async function migrate(
  options: MigrationOptions & Pick<DatabaseOptions, 'env' | 'embedded'>,
): Promise<MigrationResult> {
  const database = await BulwarkDatabase.open({
    ...(options.env ? { env: options.env } : {}),
    ...(options.embedded ? { embedded: options.embedded } : {}),
    migrationsTable: options.table ?? DEFAULT_MIGRATIONS_TABLE,
  });
  try {
    options.log?.(`migrating ${database.target}`);
    return await runMigrations(database, options);
  } finally {
    await database.close();
  }
}

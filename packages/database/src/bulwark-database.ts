import { mkdirSync } from 'node:fs';
import { BulwarkConfigError } from '@bulwark/core';
import {
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
  type ShutdownHandler,
  ShutdownHook,
} from '@bulwark/core/lifecycle';
import type { PGlite } from '@electric-sql/pglite';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { DEFAULT_MIGRATIONS_TABLE } from './database.constants.js';
import { DatabaseError } from './database.error.js';
import { type DatabaseConfig, resolveDatabaseConfig } from './database-config.js';
import type { DatabaseOptions } from './database-options.interface.js';
import {
  pgliteRawAccess,
  pgRawAccess,
  type RawAccess,
  rawAccess,
  setRawAccess,
} from './internal/raw-session.js';
import { describe, RotatingPool } from './internal/rotating-pool.js';
import { readSchemaVersion } from './internal/schema-version.js';
import { validateDatabaseOptions } from './internal/validate-options.js';

/**
 * What `db.execute()` resolves to on both engines: node-postgres's `QueryResult` and PGlite's
 * `Results` both carry the rows (and more, which differs between them).
 */
export interface DatabaseQueryResultHKT extends PgQueryResultHKT {
  readonly type: QueryRows<this['row']>;
}

/** The rows of a raw query's result. */
export interface QueryRows<Row> {
  rows: (Row extends Record<string, unknown> ? Row : Record<string, unknown>)[];
}

/** The Drizzle database both engines give: the same query builder, parameters always bound. */
export type DrizzleDatabase<TSchema extends Record<string, unknown> = Record<string, never>> =
  PgDatabase<DatabaseQueryResultHKT, TSchema>;

/** The answer of {@link BulwarkDatabase.checkSchemaVersion}. */
export interface SchemaVersionCheck {
  /** Whether the applied version is the one this build needs. */
  ok: boolean;
  /** The highest applied migration version; 0 when none was applied. */
  applied: number;
  /** The version this build needs. */
  expected: number;
  /** A sentence naming both versions. */
  message: string;
}

/**
 * One database for the service: a pooled PostgreSQL connection (verified TLS, rotating
 * password, timeouts) or embedded PGlite outside production, with a Drizzle query builder on
 * top. It is also the `database` readiness indicator and the `database` shutdown hook, so
 * `@bulwark/health` and `@bulwark/shutdown` find it when it is a provider.
 *
 * @example
 * ```ts
 * const database = await BulwarkDatabase.open({ schema });
 * const rows = await database.db.select().from(notes).where(eq(notes.id, id));
 * await database.close();
 * ```
 */
@ReadinessIndicator('database')
@ShutdownHook('database')
export class BulwarkDatabase<TSchema extends Record<string, unknown> = Record<string, never>>
  implements ReadinessCheck, ShutdownHandler, OnApplicationShutdown
{
  /** The Drizzle query builder. */
  readonly db: DrizzleDatabase<TSchema>;
  /** `postgres` (a server over the network) or `pglite` (embedded). */
  readonly engine: 'postgres' | 'pglite';
  /** Where it connects; holds no password. */
  readonly target: string;
  private readonly pool: RotatingPool | undefined;
  private readonly embedded: PGlite | undefined;
  private readonly expectedSchemaVersion: number | undefined;
  private readonly migrationsTable: string;
  private closing: Promise<void> | undefined;
  /** Whether the applied schema version was once the expected one: this process took traffic. */
  private schemaMatched = false;
  private newerSchemaLogged = false;
  private readonly logger = new Logger('Database');

  private constructor(parts: {
    db: DrizzleDatabase<TSchema>;
    engine: 'postgres' | 'pglite';
    target: string;
    pool?: RotatingPool;
    embedded?: PGlite;
    raw: RawAccess;
    expectedSchemaVersion: number | undefined;
    migrationsTable: string;
  }) {
    this.db = parts.db;
    this.engine = parts.engine;
    this.target = parts.target;
    this.pool = parts.pool;
    this.embedded = parts.embedded;
    this.expectedSchemaVersion = parts.expectedSchemaVersion;
    this.migrationsTable = parts.migrationsTable;
    setRawAccess(this, parts.raw);
  }

  /**
   * Opens the database the environment names (see {@link resolveDatabaseConfig}). The
   * PostgreSQL pool connects lazily: a server that is down at start-up makes readiness 503, not
   * the start-up fail.
   *
   * @throws BulwarkConfigError naming the option or environment variable at fault.
   */
  static async open<TSchema extends Record<string, unknown> = Record<string, never>>(
    options: DatabaseOptions<TSchema> = {},
  ): Promise<BulwarkDatabase<TSchema>> {
    const settings = validateDatabaseOptions(options);
    const config = resolveDatabaseConfig(options);
    const logger = new Logger('Database');
    const common = {
      expectedSchemaVersion: options.expectedSchemaVersion,
      migrationsTable: options.migrationsTable ?? DEFAULT_MIGRATIONS_TABLE,
    };
    if (config.engine === 'pglite') {
      const { PGlite } = await import('@electric-sql/pglite');
      const { drizzle } = await import('drizzle-orm/pglite');
      if (config.directory !== undefined) mkdirSync(config.directory, { recursive: true });
      const client =
        config.directory === undefined
          ? await PGlite.create()
          : await PGlite.create(config.directory);
      const db = drizzle({ client, ...(options.schema ? { schema: options.schema } : {}) });
      const database = new BulwarkDatabase<TSchema>({
        db: db as unknown as DrizzleDatabase<TSchema>,
        engine: 'pglite',
        target: config.directory === undefined ? 'pglite (memory)' : `pglite (${config.directory})`,
        embedded: client,
        raw: pgliteRawAccess(client),
        ...common,
      });
      if (options.embeddedMigrations !== undefined) {
        // Only ever PGlite: production requires DATABASE_URL, and a server is migrated by
        // bulwark-migrate as the migration role, never by the service.
        const { runMigrations } = await import('./migrations.js');
        try {
          await runMigrations(database, {
            directory: options.embeddedMigrations,
            table: common.migrationsTable,
          });
        } catch (error) {
          await database.close();
          throw error;
        }
      }
      return database;
    }
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new RotatingPool({
      config: poolConfig(config, settings),
      password: config.password,
      passwordFile: config.passwordFile,
      passwordCheckMs: settings.passwordCheckMs,
      onError: (message) => logger.warn(message),
      onRotate: () =>
        logger.log('DATABASE_PASSWORD_FILE changed: new connections use the new password'),
    });
    const db = drizzle({ client: pool, ...(options.schema ? { schema: options.schema } : {}) });
    return new BulwarkDatabase<TSchema>({
      db: db as unknown as DrizzleDatabase<TSchema>,
      engine: 'postgres',
      target: `postgres://${config.host}:${config.port}/${config.database} as ${config.user} (${
        config.tls ? `TLS verify-full, CA ${config.tls.caSource}` : 'plaintext'
      })`,
      pool,
      raw: pgRawAccess(() => pool.acquire()),
      ...common,
    });
  }

  /**
   * Readiness: the server answers a query and, with `expectedSchemaVersion`, the applied schema
   * version is the one this build needs. Once it was, a newer version applied later (the
   * migration Job of a rolling update) keeps the process ready, with one warning: migrations
   * must be backward compatible with the build before them. Never throws.
   */
  async readiness(signal: AbortSignal = AbortSignal.timeout(5000)): Promise<ReadinessResult> {
    if (this.closing) return { ready: false, detail: 'the database pool is closed' };
    try {
      const check =
        this.expectedSchemaVersion === undefined
          ? this.ping().then(() => undefined)
          : this.checkSchemaVersion();
      const result = await abortable(check, signal);
      if (result?.ok) this.schemaMatched = true;
      if (result && !result.ok) {
        // The migration Job of a rolling update applied the next version while this process
        // serves: it stays ready, or no pod would be ready until the new build is. Migrations
        // are backward compatible with the build before them (expand, then contract). A process
        // that never saw its own version (a start on a newer or older schema) stays unready.
        if (this.schemaMatched && result.applied > result.expected) {
          if (!this.newerSchemaLogged) {
            this.newerSchemaLogged = true;
            this.logger.warn(
              `schema version ${result.applied} was applied while this build (version ${result.expected}) serves: it stays ready; deploy the build made for version ${result.applied}`,
            );
          }
          return { ready: true };
        }
        return { ready: false, detail: result.message };
      }
      return { ready: true };
    } catch (error) {
      return { ready: false, detail: `database unreachable: ${describe(error)}` };
    }
  }

  private async ping(): Promise<void> {
    const access = rawAccess(this);
    await access?.session((session) => session.query('SELECT 1'));
  }

  /** The highest applied migration version, or 0 when none was applied (or no table exists). */
  async schemaVersion(): Promise<number> {
    const access = rawAccess(this);
    if (!access) throw new DatabaseError('DATABASE_CLOSED', 'the database is not open');
    return access.session((session) => readSchemaVersion(session, this.migrationsTable));
  }

  /**
   * Compares the applied schema version with the one this build needs.
   *
   * @param expected @default the `expectedSchemaVersion` option
   * @example
   * ```ts
   * const check = await database.checkSchemaVersion(3);
   * if (!check.ok) logger.error(check.message);
   * ```
   */
  async checkSchemaVersion(expected = this.expectedSchemaVersion): Promise<SchemaVersionCheck> {
    if (expected === undefined) {
      throw new BulwarkConfigError(
        'expectedSchemaVersion',
        'is not set: pass the version this build needs.',
      );
    }
    const applied = await this.schemaVersion();
    const ok = applied === expected;
    return {
      ok,
      applied,
      expected,
      message: ok
        ? `schema version ${applied} is the one this build needs`
        : `schema version ${applied} is applied but this build needs version ${expected}: ${
            applied < expected
              ? 'run the migrations (npm run migrate) before this version takes traffic'
              : 'this build is older than the schema; deploy the build made for it'
          }`,
    };
  }

  /** How many times the password file changed since start-up (PostgreSQL only). */
  get passwordRotations(): number {
    return this.pool?.rotations ?? 0;
  }

  /** Re-reads `DATABASE_PASSWORD_FILE` now; resolves whether the password changed. */
  reloadPassword(): Promise<boolean> {
    return this.pool?.checkPassword() ?? Promise.resolve(false);
  }

  /** Whether {@link BulwarkDatabase.close} was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Closes the pool after checked-out connections are released (or PGlite, flushing it).
   * Idempotent; queries after it fail.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pool) await this.pool.end();
      if (this.embedded && !this.embedded.closed) await this.embedded.close();
    })();
    return this.closing;
  }

  /** @internal `@bulwark/shutdown` calls it after the drain. */
  onShutdown(): Promise<void> {
    return this.close();
  }

  /** @internal Nest closes the pool when the app closes without `@bulwark/shutdown`. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

function poolConfig(
  config: Extract<DatabaseConfig, { engine: 'postgres' }>,
  settings: ReturnType<typeof validateDatabaseOptions>,
) {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    // Set here, never through sslmode in a URL: node-postgres gives sslmode=require its libpq
    // meaning (no certificate check) in version 9, and rejectUnauthorized with Node's default
    // checkServerIdentity is verify-full (chain and host name, RFC 6125).
    ssl: config.tls
      ? {
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2' as const,
          ...(config.tls.ca ? { ca: config.tls.ca } : {}),
        }
      : false,
    statement_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    max: settings.poolMax,
    keepAlive: true,
    ...(config.applicationName ? { application_name: config.applicationName } : {}),
  };
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('readiness check timed out'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('readiness check timed out'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

import { READINESS_INDICATOR, SHUTDOWN_HOOK } from '@bulwark/core/lifecycle';
import { mapException } from '@bulwark/core/problems';
import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { BulwarkDatabase } from './bulwark-database.js';
import { InjectDatabase } from './database.decorator.js';
import { DatabaseModule } from './database.module.js';
import { DATABASE_OPTIONS, InjectDatabaseOptions } from './database.module-definition.js';
import type {
  DatabaseModuleOptions,
  DatabaseOptionsFactory,
  ResolvedDatabaseOptions,
} from './database-options.interface.js';

const SLOW = 120_000;
const MEMORY: DatabaseModuleOptions = { env: { NODE_ENV: 'test' }, embedded: 'memory' };

/** A unique violation as `pg` reports it. */
const UNIQUE_VIOLATION = Object.assign(
  new Error('duplicate key value violates unique constraint'),
  {
    severity: 'ERROR',
    code: '23505',
    constraint: 'notes_title_key',
  },
);

/** An HTTP app (Express) with only `module`, initialised. */
async function openApp(module: ReturnType<typeof DatabaseModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

async function open(module: ReturnType<typeof DatabaseModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  await moduleRef.init();
  return moduleRef;
}

const registered: DatabaseModuleOptions = { env: {}, embedded: 'memory', poolMax: 3 };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class DatabaseConfig implements DatabaseOptionsFactory {
  createDatabaseOptions(): DatabaseModuleOptions {
    return registered;
  }
}

describeModuleRegistration<DatabaseModuleOptions, ResolvedDatabaseOptions>('DatabaseModule', {
  module: DatabaseModule,
  options: registered,
  optionsFactory: DatabaseConfig,
  factoryMethodName: 'createDatabaseOptions',
  timeout: SLOW,
  check: async (moduleRef, options) => {
    expect(moduleRef.get(DATABASE_OPTIONS)).toEqual(options);
    const database = moduleRef.get(BulwarkDatabase);
    expect(database.engine).toBe('pglite');
    expect(database.target).toBe('pglite (memory)');
    expect(await database.readiness()).toEqual({ ready: true });
  },
  injected: {
    decorator: InjectDatabaseOptions,
    check: (resolved) => {
      expect(resolved).toMatchObject({
        embedded: 'memory',
        poolMax: 3,
        statementTimeoutMs: 15_000,
        migrationsTable: 'bulwark_schema_migrations',
      });
    },
  },
  invalid: [
    {
      options: { statementTimeoutMs: 0 },
      setting: 'statementTimeoutMs',
      message: 'statementTimeoutMs: must be an integer from 1 to 3600000.',
    },
    {
      options: { migrationsTable: 'x; DROP TABLE y' },
      setting: 'migrationsTable',
      message:
        'migrationsTable: must be a lower-case table name such as bulwark_schema_migrations (optionally schema.table).',
    },
    {
      options: { embedded: '' },
      setting: 'embedded',
      message: "embedded: must be a directory or 'memory'.",
    },
    {
      options: { ...MEMORY, poolMax: 0 },
      setting: 'poolMax',
      message: 'poolMax: must be an integer from 1 to 1000.',
    },
  ],
});

describe('DatabaseModule', () => {
  it('is discovered as the database readiness indicator and shutdown hook', () => {
    expect(Reflect.getMetadata(READINESS_INDICATOR, BulwarkDatabase)).toBe('database');
    expect(Reflect.getMetadata(SHUTDOWN_HOOK, BulwarkDatabase)).toEqual({
      name: 'database',
      order: 0,
    });
  });

  describe('when registered with forRoot', () => {
    it(
      'provides an open database and closes it with the app',
      async () => {
        const moduleRef = await open(DatabaseModule.forRoot(MEMORY));
        const database = moduleRef.get(BulwarkDatabase);
        expect(database.engine).toBe('pglite');
        expect(await database.readiness()).toEqual({ ready: true });
        await moduleRef.close();
        expect(database.closed).toBe(true);
      },
      SLOW,
    );

    it('fails the start-up in production without DATABASE_URL, naming the variable', async () => {
      await expect(
        open(DatabaseModule.forRoot({ env: { NODE_ENV: 'production' } })),
      ).rejects.toThrow(
        'DATABASE_URL: is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.',
      );
    });

    it(
      'is global and maps errors by default, with an exception mapper and no interceptor; both can be turned off',
      async () => {
        const defaults = DatabaseModule.forRoot(MEMORY);
        expect(defaults.global).toBe(true);
        expect(defaults.providers).not.toContainEqual(
          expect.objectContaining({ provide: APP_INTERCEPTOR }),
        );
        const app = await openApp(defaults);
        try {
          const mapped = mapException(app.getHttpAdapter(), UNIQUE_VIOLATION);
          expect(mapped?.getStatus()).toBe(409);
          expect(mapException(app.getHttpAdapter(), new Error('not ours'))).toBeUndefined();
        } finally {
          await app.close();
        }

        const bare = DatabaseModule.forRoot({ ...MEMORY, isGlobal: false, mapErrors: false });
        expect(bare.global).toBe(false);
        expect(bare.providers).not.toContainEqual(
          expect.objectContaining({ provide: APP_INTERCEPTOR }),
        );
        const unmapped = await openApp(bare);
        try {
          expect(mapException(unmapped.getHttpAdapter(), UNIQUE_VIOLATION)).toBeUndefined();
        } finally {
          await unmapped.close();
        }
      },
      SLOW,
    );

    it(
      'InjectDatabaseOptions() gives the resolved options: validated, with every default applied',
      async () => {
        @Injectable()
        class ReadsOptions {
          constructor(@InjectDatabaseOptions() readonly options: ResolvedDatabaseOptions) {}
        }
        const env = { NODE_ENV: 'test' };
        const moduleRef = await Test.createTestingModule({
          imports: [DatabaseModule.forRoot({ env, embedded: 'memory', poolMax: 3 })],
          providers: [ReadsOptions],
        }).compile();
        try {
          expect(moduleRef.get(ReadsOptions).options).toEqual({
            env,
            embedded: 'memory',
            schema: undefined,
            expectedSchemaVersion: undefined,
            embeddedMigrations: undefined,
            migrationsTable: 'bulwark_schema_migrations',
            statementTimeoutMs: 15_000,
            idleInTransactionTimeoutMs: 30_000,
            connectionTimeoutMs: 5_000,
            poolMax: 3,
            idleTimeoutMs: 30_000,
            passwordCheckMs: 5_000,
          });
        } finally {
          await moduleRef.close();
        }
      },
      SLOW,
    );
  });

  describe("when an application's own provider injects the database", () => {
    @Injectable()
    class ReadsDatabase {
      constructor(@InjectDatabase() readonly database: BulwarkDatabase) {}
    }

    it.each([
      ['forRoot', () => DatabaseModule.forRoot(MEMORY)],
      ['forRootAsync', () => DatabaseModule.forRootAsync({ useFactory: () => MEMORY })],
    ])(
      "@InjectDatabase() gives the module's open database (%s)",
      async (_, register) => {
        @Module({ imports: [register()], providers: [ReadsDatabase] })
        class ApplicationModule {}
        const moduleRef = await Test.createTestingModule({
          imports: [ApplicationModule],
        }).compile();
        await moduleRef.init();
        try {
          const { database } = moduleRef.get(ReadsDatabase);
          expect(database).toBe(moduleRef.get(BulwarkDatabase));
          expect(database.engine).toBe('pglite');
          expect(await database.readiness()).toEqual({ ready: true });
        } finally {
          await moduleRef.close();
        }
      },
      SLOW,
    );
  });
});

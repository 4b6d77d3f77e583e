import { mapException, READINESS_INDICATOR, SHUTDOWN_HOOK } from '@bulwark/core';
import { describeModuleRegistration } from '@bulwark/test-harness';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { BulwarkDatabase } from './bulwark-database.js';
import { DATABASE_OPTIONS } from './database.constants.js';
import { DatabaseModule } from './database.module.js';
import type { DatabaseModuleOptions } from './database-module-options.interface.js';

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

describeModuleRegistration<DatabaseModuleOptions>('DatabaseModule', {
  module: DatabaseModule,
  options: { env: {}, embedded: 'memory', poolMax: 3 },
  factoryMethodName: 'createDatabaseOptions',
  timeout: SLOW,
  check: async (moduleRef, options) => {
    expect(moduleRef.get(DATABASE_OPTIONS)).toEqual(options);
    const database = moduleRef.get(BulwarkDatabase);
    expect(database.engine).toBe('pglite');
    expect(database.target).toBe('pglite (memory)');
    expect(await database.readiness()).toEqual({ ready: true });
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
  });
});

import { BulwarkConfigError, READINESS_INDICATOR, SHUTDOWN_HOOK } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { BulwarkDatabase } from './bulwark-database.js';
import { DATABASE_OPTIONS } from './database.constants.js';
import { DatabaseModule } from './database.module.js';
import type {
  DatabaseModuleOptions,
  DatabaseOptionsFactory,
} from './database-module-options.interface.js';

const SLOW = 120_000;
const MEMORY: DatabaseModuleOptions = { env: { NODE_ENV: 'test' }, embedded: 'memory' };

async function open(module: ReturnType<typeof DatabaseModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  await moduleRef.init();
  return moduleRef;
}

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

    it('checks the options at registration, naming the option', () => {
      expect(() => DatabaseModule.forRoot({ statementTimeoutMs: 0 })).toThrow(
        new BulwarkConfigError('statementTimeoutMs', 'must be an integer from 1 to 3600000.'),
      );
      expect(() => DatabaseModule.forRoot({ migrationsTable: 'x; DROP TABLE y' })).toThrow(
        'migrationsTable: must be a lower-case table name such as bulwark_schema_migrations (optionally schema.table).',
      );
      expect(() => DatabaseModule.forRoot({ embedded: '' })).toThrow(
        "embedded: must be a directory or 'memory'.",
      );
    });

    it('fails the start-up in production without DATABASE_URL, naming the variable', async () => {
      await expect(
        open(DatabaseModule.forRoot({ env: { NODE_ENV: 'production' } })),
      ).rejects.toThrow(
        'DATABASE_URL: is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.',
      );
    });

    it('is global and maps errors by default; both can be turned off', () => {
      const defaults = DatabaseModule.forRoot(MEMORY);
      expect(defaults.global).toBe(true);
      expect(defaults.providers).toContainEqual(
        expect.objectContaining({ provide: APP_INTERCEPTOR }),
      );
      const bare = DatabaseModule.forRoot({ ...MEMORY, isGlobal: false, mapErrors: false });
      expect(bare.global).toBe(false);
      expect(bare.providers).not.toContainEqual(
        expect.objectContaining({ provide: APP_INTERCEPTOR }),
      );
    });
  });

  describe('when registered with forRootAsync', () => {
    it(
      'takes options from a factory with inject',
      async () => {
        @Module({ providers: [{ provide: 'EMBEDDED', useValue: 'memory' }], exports: ['EMBEDDED'] })
        class ConfigModule {}
        const moduleRef = await open(
          DatabaseModule.forRootAsync({
            imports: [ConfigModule],
            inject: ['EMBEDDED'],
            useFactory: (embedded: string) => ({ env: {}, embedded, poolMax: 3 }),
          }),
        );
        expect(moduleRef.get(DATABASE_OPTIONS)).toEqual({
          env: {},
          embedded: 'memory',
          poolMax: 3,
        });
        expect(moduleRef.get(BulwarkDatabase).target).toBe('pglite (memory)');
        await moduleRef.close();
      },
      SLOW,
    );

    it(
      'takes options from a class (useClass) and from an existing provider (useExisting)',
      async () => {
        @Injectable()
        class Options implements DatabaseOptionsFactory {
          createDatabaseOptions(): DatabaseModuleOptions {
            return MEMORY;
          }
        }
        const byClass = await open(DatabaseModule.forRootAsync({ useClass: Options }));
        expect(byClass.get(BulwarkDatabase).engine).toBe('pglite');
        await byClass.close();

        @Module({ providers: [Options], exports: [Options] })
        class OptionsModule {}
        const existing = await open(
          DatabaseModule.forRootAsync({ imports: [OptionsModule], useExisting: Options }),
        );
        expect(existing.get(DATABASE_OPTIONS)).toEqual(MEMORY);
        await existing.close();
      },
      SLOW,
    );

    it('checks options from a factory when they are resolved', async () => {
      await expect(
        open(DatabaseModule.forRootAsync({ useFactory: () => ({ ...MEMORY, poolMax: 0 }) })),
      ).rejects.toThrow('poolMax: must be an integer from 1 to 1000.');
    });
  });
});

import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { HEALTH_OPTIONS } from './health.constants.js';
import { HealthModule } from './health.module.js';
import { HealthService } from './health.service.js';
import type { HealthModuleOptions } from './health-options.interface.js';

@Injectable()
class OptionsFactory {
  createHealthOptions(): HealthModuleOptions {
    return { checkTimeoutMs: 250 };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class FactoryModule {}

async function compile(imports: unknown[]) {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  await moduleRef.init();
  return moduleRef;
}

function error(run: () => unknown): BulwarkConfigError {
  try {
    run();
  } catch (caught) {
    return caught as BulwarkConfigError;
  }
  throw new Error('expected a BulwarkConfigError');
}

describe('HealthModule', () => {
  describe('when registered with forRoot() and no options', () => {
    it('answers readiness with no indicator as ok', async () => {
      const moduleRef = await compile([HealthModule.forRoot()]);
      expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({});
      expect(await moduleRef.get(HealthService).readiness()).toEqual({
        statusCode: 200,
        body: { status: 'ok', details: {} },
      });
    });
  });

  describe('when registered with custom options', () => {
    it('passes them on, without the path extra', async () => {
      const moduleRef = await compile([HealthModule.forRoot({ path: 'probes', cacheTtlMs: 0 })]);
      expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({ cacheTtlMs: 0 });
    });

    it('adds a redis check for the redis option', async () => {
      const moduleRef = await compile([
        HealthModule.forRoot({ redis: { client: { ping: async () => 'PONG' } } }),
      ]);
      expect(await moduleRef.get(HealthService).readiness()).toEqual({
        statusCode: 200,
        body: { status: 'ok', details: { redis: { status: 'up' } } },
      });
    });
  });

  describe('when a check gives info', () => {
    it('shows the info beside the status, and never the detail', async () => {
      const moduleRef = await compile([HealthModule.forRoot()]);
      const health = moduleRef.get(HealthService);
      health.addReadinessCheck('jwks', () => ({
        ready: false,
        detail: 'http://idp.internal/jwks answered 503',
        info: { httpKeysAllowed: true, status: 'up' },
      }));
      expect(await health.readiness()).toEqual({
        statusCode: 503,
        body: { status: 'error', details: { jwks: { status: 'down', httpKeysAllowed: true } } },
      });
    });
  });

  describe('when registered with forRootAsync', () => {
    it('takes options from a factory with inject', async () => {
      const moduleRef = await compile([
        HealthModule.forRootAsync({
          imports: [FactoryModule],
          inject: [OptionsFactory],
          useFactory: (factory: OptionsFactory) => factory.createHealthOptions(),
        }),
      ]);
      expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({ checkTimeoutMs: 250 });
    });

    it('takes options from useClass', async () => {
      const moduleRef = await compile([HealthModule.forRootAsync({ useClass: OptionsFactory })]);
      expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({ checkTimeoutMs: 250 });
    });

    it('takes options from useExisting', async () => {
      const moduleRef = await compile([
        HealthModule.forRootAsync({ imports: [FactoryModule], useExisting: OptionsFactory }),
      ]);
      expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({ checkTimeoutMs: 250 });
    });

    it('validates the resolved options when the service is created', async () => {
      await expect(
        compile([HealthModule.forRootAsync({ useFactory: () => ({ cacheTtlMs: -1 }) })]),
      ).rejects.toThrow(
        'cacheTtlMs: must be an integer number of milliseconds from 0 to 60000. Set cacheTtlMs to such a number or leave it unset.',
      );
    });
  });

  describe('when the options are wrong', () => {
    it('fails at registration, naming the option', () => {
      const caught = error(() => HealthModule.forRoot({ checkTimeoutMs: 0 }));
      expect(caught).toBeInstanceOf(BulwarkConfigError);
      expect(caught.setting).toBe('checkTimeoutMs');
      expect(caught.message).toBe(
        'checkTimeoutMs: must be an integer number of milliseconds from 1 to 60000. Set checkTimeoutMs to such a number or leave it unset.',
      );
    });

    it('refuses a path that is not a URL path', () => {
      expect(error(() => HealthModule.forRoot({ path: 'a b' })).message).toBe(
        'path: must be a URL path such as "health" or "internal/health", got "a b".',
      );
    });

    it('refuses a Redis URL without printing it', () => {
      const caught = error(() =>
        HealthModule.forRoot({ redis: { url: 'http://:hunter22@db:6379' } }),
      );
      expect(caught.message).toBe(
        'redis.url: must start with redis:// or rediss://. Set redis://host:port.',
      );
    });
  });
});

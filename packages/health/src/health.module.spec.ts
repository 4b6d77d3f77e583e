import { describeModuleRegistration, expectConfigError } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { HealthModule } from './health.module.js';
import { HEALTH_OPTIONS, InjectHealthOptions } from './health.module-definition.js';
import { HealthService } from './health.service.js';
import type {
  HealthModuleOptions,
  HealthOptionsFactory,
  ResolvedHealthOptions,
} from './health-options.interface.js';

async function compile(imports: unknown[]) {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  await moduleRef.init();
  return moduleRef;
}

const registered: HealthModuleOptions = { checkTimeoutMs: 250 };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class HealthConfig implements HealthOptionsFactory {
  createHealthOptions(): HealthModuleOptions {
    return registered;
  }
}

describeModuleRegistration<HealthModuleOptions, ResolvedHealthOptions>('HealthModule', {
  module: HealthModule,
  options: registered,
  optionsFactory: HealthConfig,
  factoryMethodName: 'createHealthOptions',
  check: (moduleRef, options) => expect(moduleRef.get(HEALTH_OPTIONS)).toEqual(options),
  checkDefaults: async (moduleRef) => {
    expect(moduleRef.get(HEALTH_OPTIONS)).toEqual({});
    expect(await moduleRef.get(HealthService).readiness()).toEqual({
      statusCode: 200,
      body: { status: 'ok', details: {} },
    });
  },
  injected: {
    decorator: InjectHealthOptions,
    check: (resolved) => {
      expect(resolved.checkTimeoutMs).toBe(250);
      expect(resolved.cacheTtlMs).toBe(1000);
      expect(resolved.redis).toBeUndefined();
    },
  },
  invalid: [
    {
      options: { checkTimeoutMs: 0 },
      setting: 'checkTimeoutMs',
      message:
        'checkTimeoutMs: must be an integer number of milliseconds from 1 to 60000. Set checkTimeoutMs to such a number or leave it unset.',
    },
    {
      options: { cacheTtlMs: -1 },
      setting: 'cacheTtlMs',
      message:
        'cacheTtlMs: must be an integer number of milliseconds from 0 to 60000. Set cacheTtlMs to such a number or leave it unset.',
    },
    {
      options: { redis: { url: 'http://:hunter22@db:6379' } },
      setting: 'redis.url',
      message: 'redis.url: must start with redis:// or rediss://. Set redis://host:port.',
      omits: 'hunter22',
    },
  ],
});

describe('HealthModule', () => {
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

  describe('when the options are wrong', () => {
    it('refuses a path that is not a URL path', () => {
      expectConfigError(() => HealthModule.forRoot({ path: 'a b' }), {
        setting: 'path',
        message: 'path: must be a URL path such as "health" or "internal/health", got "a b".',
      });
    });
  });
});

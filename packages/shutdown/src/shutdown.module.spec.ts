import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { resolveShutdownOptions } from './internal/resolve-options.js';
import { SHUTDOWN_OPTIONS } from './shutdown.constants.js';
import { ShutdownModule } from './shutdown.module.js';
import { ShutdownService } from './shutdown.service.js';
import type { ShutdownModuleOptions } from './shutdown-options.interface.js';

const quiet: ShutdownModuleOptions = { signals: ['SIGUSR2'], log: () => {} };

@Injectable()
class OptionsFactory {
  createShutdownOptions(): ShutdownModuleOptions {
    return { ...quiet, delaySeconds: 3 };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class FactoryModule {}

async function compile(imports: unknown[]) {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
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

describe('ShutdownModule', () => {
  describe('when registered with forRoot() and no options', () => {
    it('provides the service and the options', async () => {
      const moduleRef = await compile([ShutdownModule.forRoot()]);
      expect(moduleRef.get(ShutdownService).state).toBe('running');
      expect(moduleRef.get(SHUTDOWN_OPTIONS)).toEqual({});
    });
  });

  describe('when registered with custom options', () => {
    it('passes them to the service', async () => {
      const moduleRef = await compile([ShutdownModule.forRoot({ ...quiet, timeoutSeconds: 7 })]);
      expect(moduleRef.get(SHUTDOWN_OPTIONS)).toMatchObject({ timeoutSeconds: 7 });
      expect(moduleRef.get(ShutdownService).readiness()).toEqual({ ready: true });
    });
  });

  describe('when registered with forRootAsync', () => {
    it('takes options from a factory with inject', async () => {
      const moduleRef = await compile([
        ShutdownModule.forRootAsync({
          imports: [FactoryModule],
          inject: [OptionsFactory],
          useFactory: (factory: OptionsFactory) => factory.createShutdownOptions(),
        }),
      ]);
      expect(moduleRef.get(SHUTDOWN_OPTIONS)).toMatchObject({ delaySeconds: 3 });
    });

    it('takes options from useClass', async () => {
      const moduleRef = await compile([ShutdownModule.forRootAsync({ useClass: OptionsFactory })]);
      expect(moduleRef.get(SHUTDOWN_OPTIONS)).toMatchObject({ delaySeconds: 3 });
    });

    it('takes options from useExisting', async () => {
      const moduleRef = await compile([
        ShutdownModule.forRootAsync({ imports: [FactoryModule], useExisting: OptionsFactory }),
      ]);
      expect(moduleRef.get(SHUTDOWN_OPTIONS)).toMatchObject({ delaySeconds: 3 });
    });

    it('validates the resolved options when the service is created', async () => {
      await expect(
        compile([ShutdownModule.forRootAsync({ useFactory: () => ({ timeoutSeconds: 0 }) })]),
      ).rejects.toThrow(
        'timeoutSeconds: must be a number of seconds from 0.001 to 3600. Set timeoutSeconds to such a number or leave it unset.',
      );
    });
  });

  describe('when the options are wrong', () => {
    it('fails at registration, naming the option', () => {
      const caught = error(() => ShutdownModule.forRoot({ delaySeconds: -1 }));
      expect(caught).toBeInstanceOf(BulwarkConfigError);
      expect(caught.setting).toBe('delaySeconds');
      expect(caught.message).toBe(
        'delaySeconds: must be a number of seconds from 0 to 3600. Set delaySeconds to such a number or leave it unset.',
      );
    });

    it('names the environment variable when SHUTDOWN_DELAY_SECONDS is not a number', () => {
      const caught = error(() =>
        resolveShutdownOptions({ env: { SHUTDOWN_DELAY_SECONDS: 'soon' } }),
      );
      expect(caught.setting).toBe('SHUTDOWN_DELAY_SECONDS');
      expect(caught.message).toBe(
        'SHUTDOWN_DELAY_SECONDS: must be a number of seconds from 0 to 3600. Set SHUTDOWN_DELAY_SECONDS to such a number or unset it.',
      );
    });

    it('refuses signals that cannot be caught', () => {
      expect(error(() => ShutdownModule.forRoot({ signals: ['SIGKILL'] })).message).toBe(
        'signals: SIGKILL and SIGSTOP cannot be caught. Remove them.',
      );
    });
  });

  describe('when reading the environment', () => {
    it('defaults to a 5 s delay and a 20 s timeout, the delay applying only in Kubernetes', () => {
      expect(resolveShutdownOptions({ env: {} })).toMatchObject({
        delayMs: 5000,
        delaySource: 'default',
        delayApplies: false,
        timeoutMs: 20_000,
        idleGraceMs: 1000,
        hookTimeoutMs: 5000,
        signals: ['SIGTERM', 'SIGINT'],
      });
    });

    it('reads SHUTDOWN_DELAY_SECONDS and SHUTDOWN_TIMEOUT_SECONDS, decimals included', () => {
      const env = {
        SHUTDOWN_DELAY_SECONDS: '2.5',
        SHUTDOWN_TIMEOUT_SECONDS: '30',
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
      };
      expect(resolveShutdownOptions({ env })).toMatchObject({
        delayMs: 2500,
        delayApplies: true,
        timeoutMs: 30_000,
      });
    });

    it('applies SHUTDOWN_DELAY_SECONDS without KUBERNETES_SERVICE_HOST: an explicit delay is never skipped', () => {
      expect(resolveShutdownOptions({ env: { SHUTDOWN_DELAY_SECONDS: '3' } })).toMatchObject({
        delayMs: 3000,
        delaySource: 'environment',
        delayApplies: true,
      });
    });

    it('applies the delaySeconds option without KUBERNETES_SERVICE_HOST', () => {
      expect(resolveShutdownOptions({ env: {}, delaySeconds: 2 })).toMatchObject({
        delayMs: 2000,
        delaySource: 'option',
        delayApplies: true,
      });
    });

    it('takes a blank SHUTDOWN_DELAY_SECONDS as unset, so the default is still skipped outside Kubernetes', () => {
      expect(resolveShutdownOptions({ env: { SHUTDOWN_DELAY_SECONDS: ' ' } })).toMatchObject({
        delayMs: 5000,
        delaySource: 'default',
        delayApplies: false,
      });
    });

    it('applies the default delay outside Kubernetes with delayOutsideKubernetes', () => {
      expect(resolveShutdownOptions({ env: {}, delayOutsideKubernetes: true })).toMatchObject({
        delayMs: 5000,
        delaySource: 'default',
        delayApplies: true,
      });
    });

    it('lets explicit options win over the environment', () => {
      const env = { SHUTDOWN_DELAY_SECONDS: '9' };
      expect(resolveShutdownOptions({ env, delaySeconds: 1 })).toMatchObject({ delayMs: 1000 });
    });
  });
});

import { describeModuleRegistration, expectConfigError } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { resolveShutdownOptions } from './internal/resolve-options.js';
import { ShutdownModule } from './shutdown.module.js';
import { InjectShutdownOptions, SHUTDOWN_OPTIONS } from './shutdown.module-definition.js';
import { ShutdownService } from './shutdown.service.js';
import type {
  ResolvedShutdownOptions,
  ShutdownModuleOptions,
  ShutdownOptionsFactory,
} from './shutdown-options.interface.js';

const quiet: ShutdownModuleOptions = { signals: ['SIGUSR2'], log: () => {} };

const registered: ShutdownModuleOptions = { ...quiet, delaySeconds: 3, timeoutSeconds: 7 };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class ShutdownConfig implements ShutdownOptionsFactory {
  createShutdownOptions(): ShutdownModuleOptions {
    return registered;
  }
}

describeModuleRegistration<ShutdownModuleOptions, ResolvedShutdownOptions>('ShutdownModule', {
  module: ShutdownModule,
  options: registered,
  optionsFactory: ShutdownConfig,
  factoryMethodName: 'createShutdownOptions',
  init: false,
  check: (moduleRef, options) => {
    expect(moduleRef.get(SHUTDOWN_OPTIONS)).toEqual(options);
    expect(moduleRef.get(ShutdownService).readiness()).toEqual({ ready: true });
  },
  checkDefaults: (moduleRef) => {
    expect(moduleRef.get(ShutdownService).state).toBe('running');
    expect(moduleRef.get(SHUTDOWN_OPTIONS)).toEqual({});
  },
  injected: {
    decorator: InjectShutdownOptions,
    check: (resolved) => {
      expect(resolved).toMatchObject({
        delayMs: 3000,
        delaySource: 'option',
        timeoutMs: 7000,
        idleGraceMs: 1000,
        hookTimeoutMs: 5000,
        signals: ['SIGUSR2'],
      });
    },
  },
  invalid: [
    {
      options: { delaySeconds: -1 },
      setting: 'delaySeconds',
      message:
        'delaySeconds: must be a number of seconds from 0 to 3600. Set delaySeconds to such a number or leave it unset.',
    },
    {
      options: { timeoutSeconds: 0 },
      setting: 'timeoutSeconds',
      message:
        'timeoutSeconds: must be a number of seconds from 0.001 to 3600. Set timeoutSeconds to such a number or leave it unset.',
    },
    {
      options: { signals: ['SIGKILL'] },
      setting: 'signals',
      message: 'signals: SIGKILL and SIGSTOP cannot be caught. Remove them.',
    },
  ],
});

describe('ShutdownModule', () => {
  describe('when the options are wrong', () => {
    it('names the environment variable when SHUTDOWN_DELAY_SECONDS is not a number', () => {
      expectConfigError(() => resolveShutdownOptions({ env: { SHUTDOWN_DELAY_SECONDS: 'soon' } }), {
        setting: 'SHUTDOWN_DELAY_SECONDS',
        message:
          'SHUTDOWN_DELAY_SECONDS: must be a number of seconds from 0 to 3600. Set SHUTDOWN_DELAY_SECONDS to such a number or unset it.',
      });
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

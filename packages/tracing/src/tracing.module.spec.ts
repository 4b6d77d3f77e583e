import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { TracingLifecycle } from './tracing.lifecycle.js';
import { TracingModule } from './tracing.module.js';
import { InjectTracingOptions } from './tracing.module-definition.js';
import { flushTracing, isTracingEnabled } from './tracing-control.js';
import type {
  ResolvedTracingOptions,
  TracingModuleOptions,
  TracingOptionsFactory,
} from './tracing-options.interface.js';

async function lifecycle(
  module: ReturnType<typeof TracingModule.forRoot>,
): Promise<TracingLifecycle> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const app = await ref.init();
  const found = app.get(TracingLifecycle);
  await app.close();
  return found;
}

const registered: TracingModuleOptions = { recordPrincipal: true, flushTimeoutMs: 250 };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class TracingConfig implements TracingOptionsFactory {
  create(): TracingModuleOptions {
    return registered;
  }
}

describeModuleRegistration<TracingModuleOptions, ResolvedTracingOptions>('TracingModule', {
  module: TracingModule,
  options: registered,
  optionsFactory: TracingConfig,
  check: (moduleRef, options) => expect(moduleRef.get(TracingLifecycle).options).toEqual(options),
  injected: {
    decorator: InjectTracingOptions,
    options: { recordPrincipal: true },
    check: (resolved) => expect(resolved).toEqual({ recordPrincipal: true, flushTimeoutMs: 5000 }),
  },
  invalid: [
    {
      options: { recordPrincipal: 'yes' as never },
      setting: 'recordPrincipal',
      message: 'recordPrincipal: must be true or false.',
    },
    {
      options: { flushTimeoutMs: 0 },
      setting: 'flushTimeoutMs',
      message: 'flushTimeoutMs: must be an integer from 1 to 60000 milliseconds.',
    },
    {
      options: { flushTimeoutMs: -5 },
      setting: 'flushTimeoutMs',
      message: 'flushTimeoutMs: must be an integer from 1 to 60000 milliseconds.',
    },
  ],
});

describe('TracingModule', () => {
  describe('without the preload entry', () => {
    it('is inert: tracing is off and flushing reports nothing to flush', async () => {
      expect(isTracingEnabled()).toBe(false);
      expect(await flushTracing(10)).toBe(false);
      expect((await lifecycle(TracingModule.forRoot())).options).toEqual({
        recordPrincipal: false,
        flushTimeoutMs: 5000,
      });
    });
  });
});

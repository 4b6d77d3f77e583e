import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { TracingLifecycle } from './tracing.lifecycle.js';
import { TracingModule } from './tracing.module.js';
import { flushTracing, isTracingEnabled } from './tracing-control.js';
import type { TracingOptionsFactory } from './tracing-options.interface.js';

@Injectable()
class TracingConfig implements TracingOptionsFactory {
  create() {
    return { recordPrincipal: true, flushTimeoutMs: 250 };
  }
}

@Module({ providers: [TracingConfig], exports: [TracingConfig] })
class ConfigModule {}

async function lifecycle(
  module: ReturnType<typeof TracingModule.forRoot>,
): Promise<TracingLifecycle> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const app = await ref.init();
  const found = app.get(TracingLifecycle);
  await app.close();
  return found;
}

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

  describe('when registered with forRoot', () => {
    it('keeps the options it was given', async () => {
      expect(
        (await lifecycle(TracingModule.forRoot({ recordPrincipal: true }))).options.recordPrincipal,
      ).toBe(true);
    });

    it.each([
      [{ recordPrincipal: 'yes' as never }, 'recordPrincipal: must be true or false.'],
      [{ flushTimeoutMs: 0 }, 'flushTimeoutMs: must be an integer from 1 to 60000 milliseconds.'],
    ])('fails at registration for %j', (options, message) => {
      expect(() => TracingModule.forRoot(options)).toThrow(
        new BulwarkConfigError(
          message.split(':')[0] as string,
          message.slice(message.indexOf(':') + 2),
        ),
      );
    });
  });

  describe('when registered with forRootAsync', () => {
    it('takes options from a factory with inject', async () => {
      const found = await lifecycle(
        TracingModule.forRootAsync({
          imports: [ConfigModule],
          inject: [TracingConfig],
          useFactory: (config: TracingConfig) => config.create(),
        }),
      );
      expect(found.options).toEqual({ recordPrincipal: true, flushTimeoutMs: 250 });
    });

    it('takes options from a class', async () => {
      expect(
        (await lifecycle(TracingModule.forRootAsync({ useClass: TracingConfig }))).options
          .flushTimeoutMs,
      ).toBe(250);
    });

    it('takes options from an existing provider', async () => {
      const found = await lifecycle(
        TracingModule.forRootAsync({ imports: [ConfigModule], useExisting: TracingConfig }),
      );
      expect(found.options.recordPrincipal).toBe(true);
    });

    it('validates the options when the module starts', async () => {
      await expect(
        Test.createTestingModule({
          imports: [TracingModule.forRootAsync({ useFactory: () => ({ flushTimeoutMs: -5 }) })],
        }).compile(),
      ).rejects.toThrow('flushTimeoutMs: must be an integer from 1 to 60000 milliseconds.');
    });
  });
});

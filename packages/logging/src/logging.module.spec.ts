import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { CapturedLines } from '../test/capture.js';
import { BulwarkLogger } from './bulwark-logger.service.js';
import { createLogger, resolveLogLevel } from './create-logger.js';
import { LoggingModule } from './logging.module.js';
import { LOGGING_OPTIONS, PINO_LOGGER } from './logging.module-definition.js';
import type { LoggingModuleOptions } from './logging-options.interface.js';

const sink = new CapturedLines();

@Injectable()
class OptionsFactory {
  create(): LoggingModuleOptions {
    return { level: 'warn', destination: sink, nestLogger: false };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class OptionsModule {}

async function compile(module: ReturnType<typeof LoggingModule.forRoot>) {
  return Test.createTestingModule({ imports: [module] }).compile();
}

describe('LoggingModule', () => {
  describe('when registered with forRoot()', () => {
    it('provides a pino logger and a BulwarkLogger', async () => {
      const ref = await compile(LoggingModule.forRoot({ destination: sink, nestLogger: false }));
      expect(ref.get<Logger>(PINO_LOGGER).level).toBe('info');
      expect(ref.get(BulwarkLogger)).toBeInstanceOf(BulwarkLogger);
    });

    it('refuses an unknown level at registration, naming the option', () => {
      expect(() => LoggingModule.forRoot({ level: 'loud' as never })).toThrow(
        'level: must be one of fatal, error, warn, info, debug, trace, silent',
      );
    });

    it('refuses a destination without write()', () => {
      expect(() => LoggingModule.forRoot({ destination: {} as never })).toThrow(BulwarkConfigError);
    });
  });

  describe('when registered with forRootAsync', () => {
    it('takes options from a factory with inject', async () => {
      const ref = await compile(
        LoggingModule.forRootAsync({
          imports: [OptionsModule],
          inject: [OptionsFactory],
          useFactory: (factory: OptionsFactory) => factory.create(),
        }),
      );
      expect(ref.get<Logger>(PINO_LOGGER).level).toBe('warn');
    });

    it('takes options from useClass and useExisting', async () => {
      const byClass = await compile(LoggingModule.forRootAsync({ useClass: OptionsFactory }));
      expect(byClass.get<LoggingModuleOptions>(LOGGING_OPTIONS).level).toBe('warn');
      const existing = await compile(
        LoggingModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFactory }),
      );
      expect(existing.get<Logger>(PINO_LOGGER).level).toBe('warn');
    });

    it('refuses invalid async options when the logger is built', async () => {
      const module = LoggingModule.forRootAsync({
        useFactory: () => ({ accessLog: 'yes' }) as unknown as LoggingModuleOptions,
      });
      await expect(compile(module)).rejects.toThrow('accessLog: must be true or false');
    });
  });
});

describe('resolveLogLevel', () => {
  it('reads LOG_LEVEL and names it when wrong', () => {
    expect(resolveLogLevel(undefined, { LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(resolveLogLevel(undefined, {})).toBe('info');
    expect(() => resolveLogLevel(undefined, { LOG_LEVEL: 'chatty' })).toThrow(
      'LOG_LEVEL: must be one of',
    );
  });
});

describe('BulwarkLogger', () => {
  it('writes Nest calls as JSON with context, stack and level', () => {
    const lines = new CapturedLines();
    const logger = new BulwarkLogger(createLogger({ destination: lines, level: 'trace' }));
    logger.error('failed', 'Error: x\n    at y', 'Ctx');
    logger.verbose('detail', 'Ctx');
    logger.log({ msg: 'object message', count: 2 });
    expect(lines.lines).toMatchObject([
      { level: 'error', msg: 'failed', context: 'Ctx', stack: 'Error: x\n    at y' },
      { level: 'trace', msg: 'detail', context: 'Ctx' },
      { level: 'info', msg: 'object message', count: 2 },
    ]);
  });

  it('honours setLogLevels', () => {
    const lines = new CapturedLines();
    const logger = new BulwarkLogger(createLogger({ destination: lines }));
    logger.setLogLevels(['error', 'warn']);
    logger.log('dropped');
    logger.warn('kept');
    expect(lines.lines.map((line) => line.msg)).toEqual(['kept']);
  });
});

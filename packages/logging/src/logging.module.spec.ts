import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { CapturedLines } from '../test/capture.js';
import { BulwarkLogger } from './bulwark-logger.service.js';
import { createLogger, resolveLogLevel } from './create-logger.js';
import { LoggingModule } from './logging.module.js';
import {
  InjectLoggingOptions,
  InjectPinoLogger,
  LOGGING_OPTIONS,
  PINO_LOGGER,
} from './logging.module-definition.js';
import type {
  LoggingModuleOptions,
  LoggingOptionsFactory,
  ResolvedLoggingOptions,
} from './logging-options.interface.js';

const sink = new CapturedLines();

async function compile(module: ReturnType<typeof LoggingModule.forRoot>) {
  return Test.createTestingModule({ imports: [module] }).compile();
}

const registered: LoggingModuleOptions = { level: 'warn', destination: sink, nestLogger: false };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class LoggingConfig implements LoggingOptionsFactory {
  create(): LoggingModuleOptions {
    return registered;
  }
}

describeModuleRegistration<LoggingModuleOptions, ResolvedLoggingOptions>('LoggingModule', {
  module: LoggingModule,
  options: registered,
  optionsFactory: LoggingConfig,
  init: false,
  check: (moduleRef) => {
    expect(moduleRef.get<LoggingModuleOptions>(LOGGING_OPTIONS).level).toBe('warn');
    expect(moduleRef.get<Logger>(PINO_LOGGER).level).toBe('warn');
    expect(moduleRef.get(BulwarkLogger)).toBeInstanceOf(BulwarkLogger);
  },
  injected: {
    decorator: InjectLoggingOptions,
    check: (resolved, options) =>
      expect(resolved).toEqual({
        ...options,
        redactKeys: [],
        flushIntervalMs: 0,
        base: {},
        accessLog: true,
        securityEvents: true,
        clock: expect.any(Function),
      }),
  },
  invalid: [
    {
      options: { level: 'loud' as never },
      setting: 'level',
      contains: 'level: must be one of fatal, error, warn, info, debug, trace, silent',
    },
    { options: { destination: {} as never }, setting: 'destination' },
    {
      options: { accessLog: 'yes' } as unknown as LoggingModuleOptions,
      setting: 'accessLog',
      contains: 'accessLog: must be true or false',
    },
  ],
});

describe('LoggingModule', () => {
  describe('when registered with forRoot()', () => {
    it('provides a pino logger and a BulwarkLogger', async () => {
      const ref = await compile(LoggingModule.forRoot({ destination: sink, nestLogger: false }));
      expect(ref.get<Logger>(PINO_LOGGER).level).toBe('info');
      expect(ref.get(BulwarkLogger)).toBeInstanceOf(BulwarkLogger);
    });
  });

  describe("when an application's own provider injects the pino logger", () => {
    @Injectable()
    class ReadsLogger {
      constructor(@InjectPinoLogger() readonly logger: Logger) {}
    }

    it.each([
      ['forRoot', (lines: CapturedLines) => LoggingModule.forRoot(quietOptions(lines))],
      [
        'forRootAsync',
        (lines: CapturedLines) =>
          LoggingModule.forRootAsync({ useFactory: () => quietOptions(lines) }),
      ],
    ])("@InjectPinoLogger() gives the module's pino logger (%s)", async (_, register) => {
      const lines = new CapturedLines();
      @Module({ imports: [register(lines)], providers: [ReadsLogger] })
      class ApplicationModule {}
      const moduleRef = await Test.createTestingModule({ imports: [ApplicationModule] }).compile();
      try {
        const { logger } = moduleRef.get(ReadsLogger);
        expect(logger).toBe(moduleRef.get(PINO_LOGGER));
        logger.warn({ order: 7 }, 'from the application');
        expect(lines.lines).toMatchObject([
          { level: 'warn', msg: 'from the application', order: 7 },
        ]);
      } finally {
        await moduleRef.close();
      }
    });
  });
});

function quietOptions(destination: CapturedLines): LoggingModuleOptions {
  return { level: 'warn', destination, nestLogger: false };
}

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

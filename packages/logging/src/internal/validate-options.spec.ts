import { describe, expect, it } from 'vitest';
import { CapturedLines } from '../../test/capture.js';
import { resolveLoggingOptions } from './validate-options.js';

describe('resolveLoggingOptions', () => {
  it('fills in every default when neither an option nor a variable is set', () => {
    const resolved = resolveLoggingOptions(undefined, {});
    expect(resolved).toEqual({
      level: 'info',
      destination: undefined,
      redactKeys: [],
      flushIntervalMs: 0,
      base: {},
      accessLog: true,
      securityEvents: true,
      nestLogger: true,
      clock: expect.any(Function),
    });
    expect(resolved.clock()).toBeGreaterThan(0);
  });

  it('reads LOG_LEVEL and LOG_FLUSH_INTERVAL_MS for the options left unset', () => {
    const env = { LOG_LEVEL: 'DEBUG', LOG_FLUSH_INTERVAL_MS: '250' };
    expect(resolveLoggingOptions({}, env)).toMatchObject({ level: 'debug', flushIntervalMs: 250 });
    expect(resolveLoggingOptions({ level: 'warn', flushIntervalMs: 0 }, env)).toMatchObject({
      level: 'warn',
      flushIntervalMs: 0,
    });
  });

  it('keeps the options given', () => {
    const destination = new CapturedLines();
    const clock = () => 7;
    const options = {
      level: 'error',
      destination,
      redactKeys: ['ssn'],
      flushIntervalMs: 100,
      base: { service: 'notes' },
      accessLog: false,
      securityEvents: false,
      nestLogger: false,
      clock,
    } as const;
    expect(resolveLoggingOptions(options, {})).toEqual(options);
  });
});

import { performance } from 'node:perf_hooks';
import { BulwarkConfigError } from '@bulwark/core';
import type { Environment } from '@bulwark/core/env';
import { resolveLoggerOptions } from '../create-logger.js';
import type { LoggingModuleOptions, ResolvedLoggingOptions } from '../logging-options.interface.js';

/**
 * Validates {@link LoggingModuleOptions} and applies the environment (`LOG_LEVEL`,
 * `LOG_FLUSH_INTERVAL_MS`) and the defaults: the options `LoggingModule`'s providers and
 * `@InjectLoggingOptions()` use.
 *
 * @throws BulwarkConfigError naming the option or variable at fault.
 */
export function resolveLoggingOptions(
  options: LoggingModuleOptions | undefined,
  env: Environment = process.env,
): ResolvedLoggingOptions {
  const value = options ?? {};
  for (const key of ['accessLog', 'securityEvents', 'nestLogger'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      throw new BulwarkConfigError(key, 'must be true or false');
    }
  }
  if (value.clock !== undefined && typeof value.clock !== 'function') {
    throw new BulwarkConfigError('clock', 'must be a function returning milliseconds');
  }
  return {
    ...resolveLoggerOptions(value, env),
    accessLog: value.accessLog ?? true,
    securityEvents: value.securityEvents ?? true,
    nestLogger: value.nestLogger ?? true,
    clock: value.clock ?? (() => performance.now()),
  };
}

import { BulwarkConfigError } from '@bulwark/core';
import type { LoggingModuleOptions } from '../logging-options.interface.js';

/**
 * Checks {@link LoggingModuleOptions}; the logger's own options are checked by `createLogger`.
 *
 * @throws BulwarkConfigError naming the option at fault.
 */
export function validateLoggingOptions(
  options: LoggingModuleOptions | undefined,
): LoggingModuleOptions {
  const value = options ?? {};
  for (const key of ['accessLog', 'securityEvents', 'nestLogger'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      throw new BulwarkConfigError(key, 'must be true or false');
    }
  }
  if (value.clock !== undefined && typeof value.clock !== 'function') {
    throw new BulwarkConfigError('clock', 'must be a function returning milliseconds');
  }
  return value;
}

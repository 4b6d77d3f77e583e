import { BulwarkConfigError } from '@bulwark/core';
import type { ResolvedTracingOptions, TracingModuleOptions } from '../tracing-options.interface.js';

/** Validates options once, at registration, and applies defaults. */
export function resolveTracingOptions(options: TracingModuleOptions = {}): ResolvedTracingOptions {
  const recordPrincipal = options.recordPrincipal ?? false;
  if (typeof recordPrincipal !== 'boolean') {
    throw new BulwarkConfigError('recordPrincipal', 'must be true or false.');
  }
  const flushTimeoutMs = options.flushTimeoutMs ?? 5000;
  if (!Number.isInteger(flushTimeoutMs) || flushTimeoutMs < 1 || flushTimeoutMs > 60_000) {
    throw new BulwarkConfigError(
      'flushTimeoutMs',
      'must be an integer from 1 to 60000 milliseconds.',
    );
  }
  return { recordPrincipal, flushTimeoutMs };
}

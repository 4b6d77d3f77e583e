import { BulwarkConfigError } from '@bulwark/core';
import {
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_PATH,
} from '../health.constants.js';
import type { HealthModuleOptions, ResolvedHealthOptions } from '../health-options.interface.js';

const MAX_MS = 60_000;

function milliseconds(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_MS) {
    throw new BulwarkConfigError(
      name,
      `must be an integer number of milliseconds from ${min} to ${MAX_MS}. Set ${name} to such a number or leave it unset.`,
    );
  }
  return value;
}

/** Validates options and applies defaults; errors name the option at fault. */
export function resolveHealthOptions(options: HealthModuleOptions = {}): ResolvedHealthOptions {
  if (typeof options !== 'object' || options === null) {
    throw new BulwarkConfigError('HealthModule options', 'must be an object.');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new BulwarkConfigError('clock', 'must be a function returning epoch milliseconds.');
  }
  return {
    checkTimeoutMs: milliseconds(
      'checkTimeoutMs',
      options.checkTimeoutMs,
      DEFAULT_CHECK_TIMEOUT_MS,
      1,
    ),
    cacheTtlMs: milliseconds('cacheTtlMs', options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 0),
    redis: options.redis,
    clock: options.clock ?? Date.now,
  };
}

/** Normalizes the probe path prefix: no leading or trailing slash, URL-safe characters only. */
export function resolveHealthPath(path: string | undefined): string {
  if (path === undefined) return DEFAULT_HEALTH_PATH;
  const trimmed = typeof path === 'string' ? path.replace(/^\/+|\/+$/g, '') : '';
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed)) {
    throw new BulwarkConfigError(
      'path',
      `must be a URL path such as "health" or "internal/health", got ${JSON.stringify(path)}.`,
    );
  }
  return trimmed;
}

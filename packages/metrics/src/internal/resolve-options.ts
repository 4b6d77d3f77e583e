import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envInt, envString } from '@bulwark/core/env';
import { UNMATCHED_ROUTE } from '@bulwark/core/routes';
import type { MetricsModuleOptions, ResolvedMetricsOptions } from '../metrics-options.interface.js';

export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Validates options once, at registration, and applies environment and defaults. */
export function resolveMetricsOptions(
  options: MetricsModuleOptions = {},
  env: Environment = process.env,
): ResolvedMetricsOptions {
  const port =
    options.port ?? envInt('METRICS_PORT', DEFAULT_METRICS_PORT, { min: 0, max: 65535, env });
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BulwarkConfigError(
      'port',
      'must be an integer from 0 to 65535 (0 picks a free port).',
    );
  }
  const host = options.host ?? envString('METRICS_HOST', { env });
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    throw new BulwarkConfigError('host', 'must be a non-empty address such as 0.0.0.0, or unset.');
  }
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path)) {
    throw new BulwarkConfigError(
      'path',
      `must start with "/" and hold no query, fragment or space; got ${JSON.stringify(path)}.`,
    );
  }
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  const increasing = buckets.every(
    (bucket, index) =>
      typeof bucket === 'number' &&
      Number.isFinite(bucket) &&
      bucket > 0 &&
      (index === 0 || bucket > (buckets[index - 1] as number)),
  );
  if (!Array.isArray(buckets) || buckets.length === 0 || !increasing) {
    throw new BulwarkConfigError(
      'buckets',
      'must be a non-empty list of positive, finite, strictly increasing numbers of seconds.',
    );
  }
  const unmatchedRoute = options.unmatchedRoute ?? UNMATCHED_ROUTE;
  if (typeof unmatchedRoute !== 'string' || unmatchedRoute.trim() === '') {
    throw new BulwarkConfigError(
      'unmatchedRoute',
      'must be a non-empty label value such as UNMATCHED.',
    );
  }
  const registry = options.registry;
  if (
    registry !== undefined &&
    (typeof registry !== 'object' ||
      typeof (registry as { metrics?: unknown }).metrics !== 'function')
  ) {
    throw new BulwarkConfigError(
      'registry',
      'must be a prom-client Registry, or unset for a private one.',
    );
  }
  const defaultMetrics = options.defaultMetrics ?? true;
  if (typeof defaultMetrics !== 'boolean') {
    throw new BulwarkConfigError('defaultMetrics', 'must be true or false.');
  }
  return { port, host, path, registry, defaultMetrics, buckets: [...buckets], unmatchedRoute };
}

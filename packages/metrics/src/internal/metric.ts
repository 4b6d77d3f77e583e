import type { Metric, Registry } from 'prom-client';

/**
 * Returns the metric already registered under `name`, or creates it. A registry shared by two
 * module instances (or with the application) then holds one metric instead of throwing.
 */
export function metric<T extends Metric>(
  registry: Registry,
  name: string,
  create: (registers: Registry[]) => T,
): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create([registry]);
}

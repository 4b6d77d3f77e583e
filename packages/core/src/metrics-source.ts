import { type CustomDecorator, SetMetadata } from '@nestjs/common';

/** The metadata key {@link MetricsSource} sets on a provider class. */
export const METRICS_SOURCE = 'bulwark:metrics-source';

/**
 * The registry a {@link MetricsProvider} registers on: the part of prom-client's `Registry`
 * a source needs, so packages contribute metrics without importing prom-client or
 * `@bulwark/metrics`.
 */
export interface MetricsSourceRegistry {
  getSingleMetric(name: string): unknown;
  registerMetric(metric: never): void;
}

/**
 * A provider with metrics of its own. Mark it with {@link MetricsSource}; `@bulwark/metrics`
 * finds every such provider in the app through Nest's discovery and hands it its registry once,
 * at start-up, so the metrics appear on the metrics port with no wiring.
 */
export interface MetricsProvider {
  /** Registers the provider's metrics on `registry`; registering twice must be a no-op. */
  registerMetrics(registry: MetricsSourceRegistry): void;
}

/**
 * Marks a provider implementing {@link MetricsProvider} as a source of metrics, registered on
 * `@bulwark/metrics`' registry when that module is in the app (nothing happens without it).
 *
 * @example
 * ```ts
 * @MetricsSource()
 * @Injectable()
 * class Queue implements MetricsProvider {
 *   registerMetrics(registry: MetricsSourceRegistry) {
 *     // register collectors read at scrape time
 *   }
 * }
 * ```
 */
export function MetricsSource(): CustomDecorator<string> {
  return SetMetadata(METRICS_SOURCE, true);
}

import type { Registry } from 'prom-client';

/**
 * Options of {@link MetricsModule}. Every option is optional; unset ones fall back to the
 * environment, then to the defaults below.
 *
 * @example
 * ```ts
 * MetricsModule.forRoot({ port: 9464 });
 * ```
 */
export interface MetricsModuleOptions {
  /**
   * Port of the separate metrics listener. `0` picks a free port (tests). The metrics are
   * never served on the application's public port.
   * @default `METRICS_PORT`, else 9464
   */
  port?: number;
  /**
   * Address the metrics listener binds to.
   * @default `METRICS_HOST`, else every interface (Node's default)
   */
  host?: string;
  /**
   * Path of the exposition endpoint on the metrics listener.
   * @default '/metrics'
   */
  path?: string;
  /**
   * The prom-client registry to use. By default each module instance creates its own, so two
   * applications in one process never collide. Pass prom-client's global `register` to share it
   * with metrics registered elsewhere.
   * @default a new `Registry` per module instance
   */
  registry?: Registry;
  /**
   * Collect prom-client's default process and runtime metrics (CPU, memory, event-loop lag,
   * GC, handles).
   * @default true
   */
  defaultMetrics?: boolean;
  /**
   * Buckets of `http_request_duration_seconds`, in seconds, strictly increasing.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  buckets?: number[];
  /**
   * The `route` label of requests that matched no route, so that scanners probing random paths
   * cannot blow up label cardinality. The default is `@bulwark/core`'s `UNMATCHED_ROUTE`, the
   * value `@bulwark/logging` writes as the access line's `route`: change it only where a
   * dashboard needs another value, since logs and metrics then disagree.
   * @default 'UNMATCHED'
   */
  unmatchedRoute?: string;
}

/** {@link MetricsModuleOptions} after validation, with every default applied. */
export interface ResolvedMetricsOptions {
  readonly port: number;
  readonly host: string | undefined;
  readonly path: string;
  readonly registry: Registry | undefined;
  readonly defaultMetrics: boolean;
  readonly buckets: readonly number[];
  readonly unmatchedRoute: string;
}

/**
 * A class that `MetricsModule.forRootAsync({ useClass })` instantiates to create the options.
 *
 * @example
 * ```ts
 * class MetricsConfig implements MetricsOptionsFactory {
 *   create() { return { port: 9100 }; }
 * }
 * ```
 */
export interface MetricsOptionsFactory {
  create(): MetricsModuleOptions | Promise<MetricsModuleOptions>;
}

import type { RedisHealthIndicatorOptions } from './redis-health-indicator-options.interface.js';

/**
 * Options of `HealthModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * HealthModule.forRoot({ checkTimeoutMs: 500, redis: { url: process.env.REDIS_URL } })
 * ```
 */
export interface HealthModuleOptions {
  /**
   * How long one asynchronous readiness check may take before it counts as down.
   * @default 1000
   */
  checkTimeoutMs?: number;
  /**
   * How long the result of an asynchronous readiness check is reused. Probes from the kubelet,
   * the load balancer and anyone else share one dependency call per window, so probe floods
   * never amplify into dependency traffic. Synchronous checks (in-memory state such as the
   * shutdown flag) are never cached: they flip at once. `0` turns the cache off.
   * @default 1000
   */
  cacheTtlMs?: number;
  /**
   * Adds a Redis readiness check named `redis` that PINGs this server or client.
   * Leave it unset when another package (such as the Redis rate-limit store) already reports
   * Redis.
   * @default undefined
   */
  redis?: RedisHealthIndicatorOptions;
  /**
   * The clock, in epoch milliseconds, for the result cache. For tests.
   * @default Date.now
   */
  clock?: () => number;
}

/**
 * Options of `HealthModule` fixed when the module is declared, for `forRoot` and `forRootAsync`
 * alike, because they shape the routes.
 */
export interface HealthModuleExtras {
  /**
   * The path prefix of the probes: `<path>/live`, `<path>/ready`, `<path>/startup`.
   * @default 'health'
   */
  path?: string;
}

/**
 * A class for `HealthModule.forRootAsync({ useClass })` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class HealthConfig implements HealthOptionsFactory {
 *   createHealthOptions() { return {}; }
 * }
 * ```
 */
export interface HealthOptionsFactory {
  /** Returns the module options. */
  createHealthOptions(): HealthModuleOptions | Promise<HealthModuleOptions>;
}

/**
 * {@link HealthModuleOptions} with every default applied, as `@InjectHealthOptions()` gives them.
 */
export interface ResolvedHealthOptions {
  /** @default 1000 */
  checkTimeoutMs: number;
  /** @default 1000 */
  cacheTtlMs: number;
  /** The Redis to ping, when set. */
  redis: HealthModuleOptions['redis'];
  /** @default Date.now */
  clock: () => number;
}

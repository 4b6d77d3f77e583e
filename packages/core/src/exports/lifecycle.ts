/**
 * Discovery decorators through which packages find each other's readiness checks, shutdown
 * hooks and metrics sources.
 *
 * @packageDocumentation
 */
export type { MetricsProvider, MetricsSourceRegistry } from '../metrics-source.js';
export { METRICS_SOURCE, MetricsSource } from '../metrics-source.js';
export type { ReadinessCheck, ReadinessResult } from '../readiness.js';
export { READINESS_INDICATOR, ReadinessIndicator } from '../readiness.js';
export type { ShutdownHandler, ShutdownHookMetadata } from '../shutdown-hook.js';
export { SHUTDOWN_HOOK, ShutdownHook } from '../shutdown-hook.js';

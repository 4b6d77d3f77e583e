// Module

// Errors
export type { MetricsErrorCode } from './metrics.error.js';
export { MetricsError } from './metrics.error.js';
export { MetricsModule } from './metrics.module.js';
export { InjectMetricsOptions } from './metrics.module-definition.js';
// Metrics
export { MetricsService } from './metrics.service.js';
export type {
  MetricsModuleOptions,
  MetricsOptionsFactory,
  ResolvedMetricsOptions,
} from './metrics-options.interface.js';

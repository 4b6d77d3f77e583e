export type { MetricsErrorCode } from './metrics.error.js';
export { MetricsError } from './metrics.error.js';
export { MetricsModule } from './metrics.module.js';
export { InjectMetricsOptions, METRICS_OPTIONS } from './metrics.module-definition.js';
export { MetricsService } from './metrics.service.js';
export type {
  MetricsModuleOptions,
  MetricsOptionsFactory,
  ResolvedMetricsOptions,
} from './metrics-options.interface.js';

// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { MetricsModule } from './metrics.module.js';
export { InjectMetricsOptions } from './metrics.module-definition.js';
export type {
  MetricsModuleOptions,
  MetricsOptionsFactory,
  ResolvedMetricsOptions,
} from './metrics-options.interface.js';

// Metrics
export { MetricsService } from './metrics.service.js';

// Errors
export type { MetricsErrorCode } from './metrics.error.js';
export { MetricsError } from './metrics.error.js';

// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { HealthModule } from './health.module.js';
export { InjectHealthOptions } from './health.module-definition.js';
export type {
  HealthModuleExtras,
  HealthModuleOptions,
  HealthOptionsFactory,
  ResolvedHealthOptions,
} from './health-options.interface.js';

// Probes
export type { ProbeAnswer, ProbeBody } from './health.service.js';
export { HealthService } from './health.service.js';

// Redis readiness
export { RedisHealthIndicator } from './redis-health.indicator.js';
export type {
  RedisHealthIndicatorOptions,
  RedisPingable,
} from './redis-health-indicator-options.interface.js';

// Errors
export type { HealthErrorCode } from './health.error.js';
export { HealthError } from './health.error.js';

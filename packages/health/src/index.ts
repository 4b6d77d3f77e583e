// Module

// Errors
export type { HealthErrorCode } from './health.error.js';
export { HealthError } from './health.error.js';
export { HealthModule } from './health.module.js';
export { InjectHealthOptions } from './health.module-definition.js';
// Probes
export type { ProbeAnswer, ProbeBody } from './health.service.js';
export { HealthService } from './health.service.js';
export type {
  HealthModuleExtras,
  HealthModuleOptions,
  HealthOptionsFactory,
  ResolvedHealthOptions,
} from './health-options.interface.js';
// Redis readiness
export { RedisHealthIndicator } from './redis-health.indicator.js';
export type {
  RedisHealthIndicatorOptions,
  RedisPingable,
} from './redis-health-indicator-options.interface.js';

export {
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_PATH,
  HEALTH_OPTIONS,
} from './health.constants.js';
export { createHealthController } from './health.controller.js';
export type { HealthErrorCode } from './health.error.js';
export { HealthError } from './health.error.js';
export { HealthModule } from './health.module.js';
export type { ProbeAnswer, ProbeBody } from './health.service.js';
export { HealthService } from './health.service.js';
export type {
  HealthModuleExtras,
  HealthModuleOptions,
  HealthOptionsFactory,
} from './health-options.interface.js';
export { RedisHealthIndicator } from './redis-health.indicator.js';
export type {
  RedisHealthIndicatorOptions,
  RedisPingable,
} from './redis-health-indicator-options.interface.js';

export { installAccessLog, useAccessLog } from './access-log.js';
export { BulwarkLogger } from './bulwark-logger.service.js';
export {
  createLogger,
  DEFAULT_FLUSH_INTERVAL_MS,
  resolveFlushInterval,
  resolveLogLevel,
  validateLoggerOptions,
} from './create-logger.js';
export type { LoggingErrorCode } from './logging.error.js';
export { LoggingError } from './logging.error.js';
export { LoggingModule, validateLoggingOptions } from './logging.module.js';
export {
  InjectLoggingOptions,
  InjectPinoLogger,
  LOGGING_OPTIONS,
  PINO_LOGGER,
} from './logging.module-definition.js';
export type {
  LogDestination,
  LoggingModuleOptions,
  LoggingOptions,
  LogLevel,
} from './logging-options.interface.js';
export { logSecurityEvents } from './security-event.logger.js';

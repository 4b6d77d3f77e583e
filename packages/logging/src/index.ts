// Module

// Access log and security events
export { useAccessLog } from './access-log.js';
// Loggers
export { BulwarkLogger } from './bulwark-logger.service.js';
export { createLogger } from './create-logger.js';
// Errors
export type { LoggingErrorCode } from './logging.error.js';
export { LoggingError } from './logging.error.js';
export { LoggingModule } from './logging.module.js';
export { InjectLoggingOptions, InjectPinoLogger } from './logging.module-definition.js';
export type {
  LogDestination,
  LoggingModuleOptions,
  LoggingOptions,
  LogLevel,
} from './logging-options.interface.js';
export { logSecurityEvents } from './security-event.logger.js';

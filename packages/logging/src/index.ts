// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { LoggingModule } from './logging.module.js';
export { InjectLoggingOptions, InjectPinoLogger } from './logging.module-definition.js';
export type {
  LogDestination,
  LoggingModuleOptions,
  LoggingOptions,
  LoggingOptionsFactory,
  LogLevel,
  ResolvedLoggingOptions,
} from './logging-options.interface.js';

// Loggers
export { BulwarkLogger } from './bulwark-logger.service.js';
export { createLogger } from './create-logger.js';

// Access log and security events
export { useAccessLog } from './access-log.js';
export { logSecurityEvents } from './security-event.logger.js';

// Errors
export type { LoggingErrorCode } from './logging.error.js';
export { LoggingError } from './logging.error.js';

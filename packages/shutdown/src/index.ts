export type { ShutdownHandler } from '@bulwark/core';
export { ShutdownHook } from '@bulwark/core';
export {
  DEFAULT_HOOK_TIMEOUT_SECONDS,
  DEFAULT_IDLE_GRACE_SECONDS,
  DEFAULT_SHUTDOWN_DELAY_SECONDS,
  DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
  SHUTDOWN_OPTIONS,
} from './shutdown.constants.js';
export type { ShutdownErrorCode } from './shutdown.error.js';
export { ShutdownError } from './shutdown.error.js';
export { ShutdownModule } from './shutdown.module.js';
export type { ShutdownState } from './shutdown.service.js';
export { ShutdownService } from './shutdown.service.js';
export type {
  ShutdownClock,
  ShutdownLogEntry,
  ShutdownModuleOptions,
  ShutdownOptionsFactory,
} from './shutdown-options.interface.js';

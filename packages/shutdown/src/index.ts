// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { ShutdownModule } from './shutdown.module.js';
export { InjectShutdownOptions } from './shutdown.module-definition.js';
export type {
  ResolvedShutdownOptions,
  ShutdownClock,
  ShutdownLogEntry,
  ShutdownModuleOptions,
  ShutdownOptionsFactory,
} from './shutdown-options.interface.js';

// Shutdown
export type { ShutdownState } from './shutdown.service.js';
export { ShutdownService } from './shutdown.service.js';
export type { ShutdownHandler } from '@bulwark/core/lifecycle';
export { ShutdownHook } from '@bulwark/core/lifecycle';

// Errors
export type { ShutdownErrorCode } from './shutdown.error.js';
export { ShutdownError } from './shutdown.error.js';

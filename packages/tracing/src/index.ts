// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { TracingModule } from './tracing.module.js';
export { InjectTracingOptions } from './tracing.module-definition.js';
export type {
  ResolvedTracingOptions,
  TracingModuleOptions,
  TracingOptionsFactory,
} from './tracing-options.interface.js';

// Tracing
export { flushTracing, isTracingEnabled } from './tracing-control.js';
export { TracingInterceptor } from './tracing.interceptor.js';

// Errors
export type { TracingErrorCode } from './tracing.error.js';
export { TracingError } from './tracing.error.js';

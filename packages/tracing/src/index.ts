// Module

// Errors
export type { TracingErrorCode } from './tracing.error.js';
export { TracingError } from './tracing.error.js';
export { TracingInterceptor } from './tracing.interceptor.js';
export { TracingModule } from './tracing.module.js';
export { InjectTracingOptions } from './tracing.module-definition.js';
// Tracing
export { flushTracing, isTracingEnabled } from './tracing-control.js';
export type {
  ResolvedTracingOptions,
  TracingModuleOptions,
  TracingOptionsFactory,
} from './tracing-options.interface.js';

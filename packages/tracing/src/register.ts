/**
 * Preload entry: `node --import @bulwark/tracing/register dist/main.js`.
 *
 * Starts the OpenTelemetry Node SDK before NestJS loads, configured from the standard `OTEL_*`
 * variables. With `OTEL_TRACES_EXPORTER=none` (or `OTEL_SDK_DISABLED=true`) it imports nothing
 * and patches nothing.
 *
 * @packageDocumentation
 */
import { tracingRequested } from './internal/tracing-env.js';

if (tracingRequested(process.env)) {
  const { startTracing } = await import('./internal/start-tracing.js');
  startTracing(process.env);
}

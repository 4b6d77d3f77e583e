/**
 * Preload entry: `node --import @bulwark/tracing/register dist/main.js`.
 *
 * Starts the OpenTelemetry Node SDK before NestJS loads, configured from the standard `OTEL_*`
 * variables. With `OTEL_TRACES_EXPORTER=none` (or `OTEL_SDK_DISABLED=true`) it imports nothing
 * and patches nothing. A wrong variable stops the process before the application loads, with
 * one JSON line on stderr naming it, as `startService` of `@bulwark/service` does, and exit 1.
 *
 * @packageDocumentation
 */
import { BulwarkError } from '@bulwark/core';
import { tracingRequested } from './internal/tracing-env.js';

try {
  if (tracingRequested(process.env)) {
    const { startTracing } = await import('./internal/start-tracing.js');
    startTracing(process.env);
  }
} catch (error) {
  // A configuration mistake is the operator's to fix: say what to set, without a stack trace.
  if (!(error instanceof BulwarkError)) throw error;
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', code: error.code, msg: `start-up refused: ${error.message}` })}\n`,
  );
  process.exit(1);
}

import { createRequire } from 'node:module';
import { setLogCorrelation } from '@bulwark/core/request';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { TracingError } from '../tracing.error.js';
import { instrumentServers } from './server-span.js';
import { readTracingSettings, validateTracingEnv } from './tracing-env.js';
import { tracingState } from './tracing-state.js';

function correlation(): Record<string, string> | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** Starts the OpenTelemetry Node SDK from the `OTEL_*` environment, once per process. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  const state = tracingState();
  if (state.sdk) return;
  validateTracingEnv(env);
  const settings = readTracingSettings(env);
  const sdk = new NodeSDK({
    instrumentations: [
      // Outgoing requests only: incoming ones get Bulwark's lighter server spans.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    ],
    // Traces only: metrics and logs have their own Bulwark packages. The SDK would otherwise
    // default both to OTLP and push them every minute. Set OTEL_METRICS_EXPORTER or
    // OTEL_LOGS_EXPORTER to opt back in.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  try {
    sdk.start();
  } catch (error) {
    throw new TracingError(
      'TRACING_START_FAILED',
      `the OpenTelemetry SDK did not start: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // The instrumentation patches node:http when it is first required; require it now, so that
  // outgoing requests are traced however the application loads it.
  createRequire(import.meta.url)('node:http');
  state.recordStacks = settings.recordStacks;
  state.propagateIncomingBaggage = settings.propagateIncomingBaggage;
  instrumentServers();
  state.sdk = sdk;
  setLogCorrelation(correlation);
  process.once('beforeExit', () => {
    void sdk.shutdown();
  });
}

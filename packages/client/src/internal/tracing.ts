import type * as OtelApi from '@opentelemetry/api';

let api: typeof OtelApi | undefined;
let loading: Promise<void> | undefined;
/** The provider `@opentelemetry/api` answers with while no SDK is registered. */
let noopProvider: OtelApi.TracerProvider | undefined;

/**
 * Loads `@opentelemetry/api` when it is installed. Without it, or without an SDK registered
 * (`@bulwark/tracing`), calls make no spans and pass the incoming `traceparent` on as it is.
 */
export function loadTracing(): Promise<void> {
  loading ??= import('@opentelemetry/api').then(
    (module) => {
      api = module;
      // A fresh proxy delegates to the API's no-op provider until an SDK sets one.
      noopProvider = new module.ProxyTracerProvider().getDelegate();
    },
    () => undefined,
  );
  return loading;
}

/**
 * Whether calls make spans: `@opentelemetry/api` is installed and an SDK registered a tracer
 * provider. Asked on every call, since an SDK may be registered after a client is made; without
 * one, a call makes no span, no context and no closure for them.
 */
export function tracingActive(): boolean {
  const otel = api;
  if (otel === undefined) return false;
  const provider = otel.trace.getTracerProvider();
  return !(provider instanceof otel.ProxyTracerProvider && provider.getDelegate() === noopProvider);
}

/** What a finished call reports to its span. */
export interface SpanOutcome {
  status?: number | undefined;
  errorType?: string | undefined;
}

/**
 * Runs `call` in an OpenTelemetry client span (HTTP semantic conventions) and injects the
 * span's context into `headers`, replacing a `traceparent` copied from the incoming request.
 */
export async function inClientSpan<T>(
  client: string,
  method: string,
  url: URL,
  headers: Record<string, string>,
  call: () => Promise<T>,
  outcome: (result: T | undefined, error: unknown) => SpanOutcome,
): Promise<T> {
  const otel = api;
  if (otel === undefined) return call();
  const tracer = otel.trace.getTracer('@bulwark/client');
  return tracer.startActiveSpan(
    method,
    {
      kind: otel.SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        'url.full': `${url.origin}${url.pathname}`,
        'bulwark.client': client,
      },
    },
    async (span) => {
      const carrier: Record<string, string> = {};
      otel.propagation.inject(otel.context.active(), carrier);
      if (carrier.traceparent !== undefined) {
        headers.traceparent = carrier.traceparent;
        if (carrier.tracestate !== undefined) headers.tracestate = carrier.tracestate;
        else delete headers.tracestate;
      }
      let result: T | undefined;
      let failure: unknown;
      try {
        result = await call();
        return result;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        const { status, errorType } = outcome(result, failure);
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (errorType !== undefined) {
          span.setAttribute('error.type', errorType);
          span.setStatus({ code: otel.SpanStatusCode.ERROR });
        }
        span.end();
      }
    },
  );
}

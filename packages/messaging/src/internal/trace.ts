import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

const tracer = () => trace.getTracer('@bulwark/messaging');

/** The W3C trace headers of the active context (none when tracing is off). */
export function activeTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const headers: Record<string, string> = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return headers;
}

/**
 * Runs `work` in a CONSUMER span that links to the producer's span (a message starts a trace
 * of its own; the link connects it to the one that sent it, per the OpenTelemetry messaging
 * conventions).
 */
export async function inConsumerSpan<T>(
  queue: string,
  headers: Readonly<Record<string, unknown>> | undefined,
  attributes: Record<string, string | number>,
  work: () => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headers?.[name];
    if (typeof value === 'string') carrier[name] = value;
    else if (Buffer.isBuffer(value)) carrier[name] = value.toString('utf8');
  }
  const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
  const links = producer && trace.isSpanContextValid(producer) ? [{ context: producer }] : [];
  return tracer().startActiveSpan(
    `${queue} process`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        ...attributes,
      },
    },
    async (span: Span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

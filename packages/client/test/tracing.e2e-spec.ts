import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, type ServiceClient } from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';

describe('OpenTelemetry client spans', () => {
  const exporter = new InMemorySpanExporter();
  let server: Downstream;
  let orders: ServiceClient;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
    server = await startDownstream((request, response) =>
      request.path.startsWith('/missing')
        ? json(response, 404, {})
        : json(response, 200, { ok: true }),
    );
    orders = await createServiceClient({ name: 'orders', baseUrl: server.url, env: {} });
  });
  afterAll(async () => {
    await orders.close();
    await server.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('makes a client span under the current one and passes its context on in traceparent', async () => {
    const tracer = trace.getTracer('test');
    const incomingTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await tracer.startActiveSpan('incoming request', async (parent) => {
      await orders.get('/orders/1', {
        query: { secret: 'x' },
        request: { headers: { traceparent: incomingTraceparent }, socket: undefined },
      });
      parent.end();
    });
    const client = exporter.getFinishedSpans().find((span) => span.name === 'GET');
    const parent = exporter.getFinishedSpans().find((span) => span.name === 'incoming request');
    expect(client?.kind).toBe(SpanKind.CLIENT);
    expect(client?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(client?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'url.full': `${server.url}/orders/1`,
      'bulwark.client': 'orders',
      'http.response.status_code': 200,
    });
    const sent = String(server.seen.at(-1)?.headers.traceparent);
    expect(sent).toBe(`00-${client?.spanContext().traceId}-${client?.spanContext().spanId}-01`);
    expect(sent).not.toBe(incomingTraceparent);
  });

  it('marks a failed call’s span as an error with its reason', async () => {
    await orders.get('/missing').catch(() => undefined);
    const span = exporter.getFinishedSpans().at(-1);
    expect(span?.attributes).toMatchObject({
      'http.response.status_code': 404,
      'error.type': 'downstream_status',
    });
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

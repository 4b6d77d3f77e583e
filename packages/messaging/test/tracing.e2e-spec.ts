import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import type { MessagingService } from '../src/messaging.service.js';
import type { ConsumedMessage } from '../src/messaging.types.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.tracing';
const exporter = new InMemorySpanExporter();
const handled: { traceparent: string | undefined; activeTraceId: string | undefined }[] = [];

@Injectable()
class Traced {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: 'order.traced',
    producers: [ORDERS],
    validate: (payload) => payload,
  })
  handle(_payload: unknown, message: ConsumedMessage) {
    handled.push({
      traceparent: message.traceparent,
      activeTraceId: trace.getActiveSpan()?.spanContext().traceId,
    });
  }
}

type App = { messaging: MessagingService; moduleRef: { close(): Promise<void> } };

describe.skipIf(!broker.available)('tracing across the broker', () => {
  let dir: string;
  let keys: KeyFiles;
  let producer: App;
  let consumer: App;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-tracing-'));
    keys = await makeKeys(dir, 'orders');
    producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    await producer.messaging.whenConnected();
    consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile } },
      { providers: [Traced] },
    );
    await consumer.messaging.whenConnected();
  });

  afterAll(async () => {
    await producer.moduleRef.close();
    await consumer.moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the active traceparent, and the consumer's span links to the producer's", async () => {
    const tracer = trace.getTracer('test');
    const producing = await tracer.startActiveSpan('POST /v1/orders', async (span) => {
      await producer.messaging.publish('orders.events', 'order.traced', { id: 1 });
      span.end();
      return span.spanContext();
    });
    await eventually(() => handled.length === 1, 'the traced message');
    expect(handled[0]?.traceparent).toBe(`00-${producing.traceId}-${producing.spanId}-01`);
    const processing = exporter.getFinishedSpans().find((span) => span.name === `${QUEUE} process`);
    expect(processing?.kind).toBe(SpanKind.CONSUMER);
    expect(processing?.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: producing.traceId, spanId: producing.spanId }),
    ]);
    // The handler runs inside the consumer span: its own logs and calls carry that trace.
    expect(handled[0]?.activeTraceId).toBe(processing?.spanContext().traceId);
    expect(processing?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': QUEUE,
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsModule, MetricsService } from '@bulwark/metrics';
import { Injectable } from '@nestjs/common';
import { IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.metrics';

class Shipped {
  @IsString()
  orderId!: string;
}

const handled: string[] = [];

@Injectable()
class Shipping {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: 'order.shipped',
    producers: [ORDERS],
    dto: Shipped,
  })
  onShipped(payload: Shipped) {
    handled.push(payload.orderId);
  }
}

describe.skipIf(!broker.available)('the messaging counters on the metrics port', () => {
  let dir: string;
  let keys: KeyFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-metrics-'));
    keys = await makeKeys(dir, 'orders');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appear with @bulwark/metrics in the app, with no registerMetrics() call', async () => {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    const consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile } },
      {
        imports: [MetricsModule.forRoot({ port: 0, host: '127.0.0.1', defaultMetrics: false })],
        providers: [Shipping],
      },
    );
    try {
      await producer.messaging.whenConnected();
      await consumer.messaging.whenConnected();
      await producer.messaging.publish('orders.events', 'order.shipped', { orderId: 'o-1' });
      await producer.messaging.publish('orders.events', 'order.shipped', { orderId: 7 });
      await eventually(
        () => handled.length === 1 && consumer.messaging.stats()[QUEUE]?.deadLettered === 1,
        'one handled and one refused message',
      );
      const port = consumer.moduleRef.get(MetricsService).port;
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('# TYPE bulwark_messaging_messages_total counter');
      expect(text).toContain(
        `bulwark_messaging_messages_total{queue="${QUEUE}",outcome="acked"} 1`,
      );
      expect(text).toContain(
        `bulwark_messaging_messages_total{queue="${QUEUE}",outcome="dead_lettered"} 1`,
      );
      expect(text).toContain(
        `bulwark_messaging_rejected_total{queue="${QUEUE}",reason="invalid_payload"} 1`,
      );
      expect(text).toContain(`bulwark_messaging_handled_total{queue="${QUEUE}"} 1`);
    } finally {
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import amqp from 'amqplib';
import { IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { MessagingError } from '../src/messaging.error.js';
import type { ConsumedMessage } from '../src/messaging.types.js';
import {
  broker,
  brokerUrl,
  eventually,
  type KeyFiles,
  makeKeys,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.connection';

class OrderCreated {
  @IsString()
  orderId!: string;
}

const received: { payload: OrderCreated; message: ConsumedMessage }[] = [];

@Injectable()
class Billing {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: 'order.created',
    producers: [ORDERS],
    dto: OrderCreated,
  })
  onOrderCreated(payload: OrderCreated, message: ConsumedMessage) {
    received.push({ payload, message });
  }
}

describe.skipIf(!broker.available)('connection to a TLS-only broker with EXTERNAL auth', () => {
  let dir: string;
  let keys: KeyFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-connection-'));
    keys = await makeKeys(dir, 'orders');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connects with the client certificate, the SAN URI as the user, and carries a signed message with its actor', async () => {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    await producer.messaging.whenConnected();
    const consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile } },
      { providers: [Billing] },
    );
    try {
      await consumer.messaging.whenConnected();
      expect(producer.messaging.readiness()).toEqual({ ready: true });
      const { messageId } = await producer.messaging.publish(
        'orders.events',
        'order.created',
        { orderId: 'o-1' },
        {
          actor: { issuer: 'https://idp.example', subject: 'alice', scopes: ['orders:write'] },
          requestId: 'req-1',
        },
      );
      await eventually(() => received.length === 1, 'the message');
      const [first] = received;
      expect(first?.payload).toBeInstanceOf(OrderCreated);
      expect(first?.payload).toEqual({ orderId: 'o-1' });
      expect(first?.message).toMatchObject({
        id: messageId,
        type: 'order.created',
        producer: ORDERS,
        actor: { iss: 'https://idp.example', sub: 'alice', scope: 'orders:write' },
        exchange: 'orders.events',
        routingKey: 'order.created',
        queue: QUEUE,
        attempt: 1,
        requestId: 'req-1',
      });
      expect(consumer.messaging.stats()[QUEUE]).toMatchObject({
        consumed: 1,
        acked: 1,
        deadLettered: 0,
      });
    } finally {
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
    }
  });

  it('is refused by the broker without a client certificate', async () => {
    await expect(
      amqp.connect(brokerUrl(), {
        ca: readFileSync(broker.caFile),
        credentials: amqp.credentials.external(),
      }),
    ).rejects.toThrow();
  });

  it('is refused by the broker with a certificate from a CA it does not trust', async () => {
    const foreign = broker.identities.foreign;
    await expect(
      amqp.connect(brokerUrl(), {
        ca: readFileSync(broker.caFile),
        cert: readFileSync(foreign.certFile),
        key: readFileSync(foreign.keyFile),
        credentials: amqp.credentials.external(),
      }),
    ).rejects.toThrow();
  });

  it('refuses a broker whose certificate does not chain to caFile, and stays not ready', async () => {
    const logs: { msg: string; error?: unknown }[] = [];
    const app = await startApp(
      { ...tlsOptions('orders'), caFile: broker.otherCaFile },
      {},
      logs as never,
    );
    try {
      await eventually(
        () => logs.some((entry) => entry.msg === 'broker connection failed'),
        'a failed attempt',
      );
      const failed = logs.find((entry) => entry.msg === 'broker connection failed');
      expect(String(failed?.error)).toMatch(/certificate/i);
      expect(app.messaging.readiness()).toMatchObject({ ready: false });
    } finally {
      await app.moduleRef.close();
    }
  });

  it('is refused when the certificate names no broker user (SASL EXTERNAL maps the SAN URI)', async () => {
    const logs: { msg: string; error?: unknown }[] = [];
    const app = await startApp(tlsOptions('outsider'), {}, logs as never);
    try {
      await eventually(
        () => logs.some((entry) => entry.msg === 'broker connection failed'),
        'a refusal',
      );
      expect(String(logs.find((entry) => entry.msg === 'broker connection failed')?.error)).toMatch(
        /ACCESS_REFUSED|403|EXTERNAL/i,
      );
      expect(app.messaging.readiness().ready).toBe(false);
    } finally {
      await app.moduleRef.close();
    }
  });

  it('finds no plaintext listener: amqp:// to the TLS port fails', async () => {
    await expect(
      amqp.connect(`amqp://127.0.0.1:${broker.port}`, { timeout: 5000 }),
    ).rejects.toThrow();
  });

  it('turns a broker ACL denial into a typed error naming the exchange, and keeps publishing', async () => {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    try {
      await producer.messaging.whenConnected();
      const refused = await producer.messaging
        .publish('billing.commands', 'invoice.create', { n: 1 })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MessagingError);
      expect((refused as MessagingError).code).toBe('MESSAGING_ACCESS_REFUSED');
      expect((refused as MessagingError).message).toBe(
        `the broker refused publishing to exchange "billing.commands" (403 ACCESS_REFUSED): the service's user may not write to it. Grant write on it in the broker's permissions, or publish to an exchange the user may write.`,
      );
      await expect(
        producer.messaging.publish('orders.events', 'order.created', { orderId: 'o-2' }),
      ).resolves.toMatchObject({ messageId: expect.any(String) });
      expect(producer.messaging.readiness().ready).toBe(true);
    } finally {
      await producer.moduleRef.close();
    }
  });
});

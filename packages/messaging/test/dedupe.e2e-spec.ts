import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import type { MessagingService } from '../src/messaging.service.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  rawConnection,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.dedupe';
const handled: string[] = [];

@Injectable()
class Once {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: 'payment.captured',
    producers: [ORDERS],
    validate: (payload) => payload as { id: string },
  })
  handle(payload: { id: string }) {
    handled.push(payload.id);
  }
}

type App = { messaging: MessagingService; moduleRef: { close(): Promise<void> } };

describe.skipIf(!broker.available || !hasRedis())('replays across replicas with REDIS_URL', () => {
  let dir: string;
  let keys: KeyFiles;
  let redis: RedisServer;
  let producer: App;
  let captured: ConsumeMessage | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-dedupe-'));
    keys = await makeKeys(dir, 'orders');
    redis = await startRedis();
    producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    await producer.messaging.whenConnected();
  });

  afterAll(async () => {
    await producer.moduleRef.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function replica(redisUrl: string | false): Promise<App> {
    const app = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile }, redisUrl },
      { providers: [Once] },
    );
    await app.messaging.whenConnected();
    return app;
  }

  /** Sends the exact bytes and properties of a message again, as a replaying attacker would. */
  async function replay(message: ConsumeMessage): Promise<void> {
    const connection = await rawConnection('orders');
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish('orders.events', 'payment.captured', message.content, message.properties);
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }

  it('drops a message another replica already handled', async () => {
    const first = await replica(redis.url);
    const id = randomUUID();
    // Keep a copy of the signed message as it travels (a tap on the admin account).
    const tap = await rawConnection('admin');
    const tapChannel = await tap.createChannel();
    const { queue } = await tapChannel.assertQueue('', { exclusive: true });
    await tapChannel.bindQueue(queue, 'orders.events', 'payment.captured');
    await tapChannel.consume(queue, (message) => {
      if (message) captured = message;
    });
    await producer.messaging.publish('orders.events', 'payment.captured', { id });
    await eventually(() => handled.length === 1 && captured !== undefined, 'the first delivery');
    await tap.close();
    await first.moduleRef.close();

    const second = await replica(redis.url);
    try {
      await replay(captured as ConsumeMessage);
      await eventually(() => second.messaging.stats()[QUEUE]?.rejected.replayed === 1, 'the drop');
      expect(handled).toEqual([id]);
    } finally {
      await second.moduleRef.close();
    }
  });

  it('without Redis, a new replica cannot know: the memory store is per process', async () => {
    const third = await replica(false);
    try {
      await replay(captured as ConsumeMessage);
      await eventually(() => handled.length === 2, 'the handled replay');
      expect(third.messaging.stats()[QUEUE]?.rejected.replayed).toBeUndefined();
    } finally {
      await third.moduleRef.close();
    }
  });

  it('handles a message once when copies of it arrive together, while the first waits on Redis', async () => {
    // No consumer runs: the message and two exact copies wait in the queue, and reach the next
    // replica in one burst.
    const id = randomUUID();
    const tap = await rawConnection('admin');
    const tapChannel = await tap.createChannel();
    const { queue } = await tapChannel.assertQueue('', { exclusive: true });
    await tapChannel.bindQueue(queue, 'orders.events', 'payment.captured');
    let copy: ConsumeMessage | undefined;
    await tapChannel.consume(queue, (message) => {
      if (message) copy = message;
    });
    await producer.messaging.publish('orders.events', 'payment.captured', { id });
    await eventually(() => copy !== undefined, 'the copy');
    await tap.close();
    await replay(copy as ConsumeMessage);
    await replay(copy as ConsumeMessage);
    const before = handled.length;
    const app = await replica(redis.url);
    try {
      await eventually(
        () => (app.messaging.stats()[QUEUE]?.consumed ?? 0) === 3,
        'the three deliveries',
      );
      await eventually(
        () =>
          handled.length - before + (app.messaging.stats()[QUEUE]?.rejected.replayed ?? 0) === 3,
        'the three settled',
      );
      expect(handled.slice(before)).toEqual([id]);
      expect(app.messaging.stats()[QUEUE]?.rejected.replayed).toBe(2);
    } finally {
      await app.moduleRef.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import type { MessagingService } from '../src/messaging.service.js';
import type { ConsumedMessage } from '../src/messaging.types.js';
import type { MessagingLogEntry } from '../src/messaging-options.interface.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  queueDepth,
  rawConnection,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.retries';
const EXCHANGE = 'orders.events';
const MAX_ATTEMPTS = 3;

const attempts = new Map<string, number[]>();
let failuresBeforeSuccess = new Map<string, number>();

@Injectable()
class Flaky {
  @Consume({
    queue: QUEUE,
    exchange: EXCHANGE,
    type: 'invoice.requested',
    producers: [ORDERS],
    validate: (payload) => payload as { key: string },
  })
  handle(payload: { key: string }, message: ConsumedMessage) {
    const seen = attempts.get(payload.key) ?? [];
    seen.push(message.attempt);
    attempts.set(payload.key, seen);
    const failures = failuresBeforeSuccess.get(payload.key) ?? 0;
    if (seen.length <= failures) throw new Error('downstream unavailable');
  }
}

describe.skipIf(!broker.available)(
  'handler failures: bounded retries, then the dead-letter queue',
  () => {
    let dir: string;
    let keys: KeyFiles;
    let producer: { messaging: MessagingService; moduleRef: { close(): Promise<void> } };
    let consumer: { messaging: MessagingService; moduleRef: { close(): Promise<void> } };
    const logs: MessagingLogEntry[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-retries-'));
      keys = await makeKeys(dir, 'orders');
      producer = await startApp({
        ...tlsOptions('orders'),
        signingKeyFile: keys.privateFile,
        exchanges: [{ name: EXCHANGE }],
      });
      await producer.messaging.whenConnected();
      consumer = await startApp(
        {
          ...tlsOptions('billing'),
          producers: { [ORDERS]: keys.jwksFile },
          maxAttempts: MAX_ATTEMPTS,
          retryDelayMs: 100,
        },
        { providers: [Flaky] },
        logs,
      );
      await consumer.messaging.whenConnected();
    });

    afterAll(async () => {
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('retries a failing handler through the retry queue and acks once it succeeds', async () => {
      failuresBeforeSuccess = new Map([['flaky', 2]]);
      await producer.messaging.publish(EXCHANGE, 'invoice.requested', { key: 'flaky' });
      await eventually(() => consumer.messaging.stats()[QUEUE]?.acked === 1, 'the third attempt');
      expect(attempts.get('flaky')).toEqual([1, 2, 3]);
      expect(consumer.messaging.stats()[QUEUE]).toMatchObject({
        retried: 2,
        acked: 1,
        deadLettered: 0,
      });
      expect(await queueDepth(`${QUEUE}.dlq`)).toBe(0);
    });

    it('dead-letters a poison message after maxAttempts, and it never loops', async () => {
      failuresBeforeSuccess = new Map([['poison', Number.POSITIVE_INFINITY]]);
      const { messageId } = await producer.messaging.publish(EXCHANGE, 'invoice.requested', {
        key: 'poison',
      });
      await eventually(
        async () => (await queueDepth(`${QUEUE}.dlq`)) === 1,
        'the dead-lettered poison',
      );
      expect(attempts.get('poison')).toEqual([1, 2, 3]);
      expect(consumer.messaging.stats()[QUEUE]).toMatchObject({
        deadLettered: 1,
        rejected: { max_attempts: 1 },
      });
      // Nothing is left anywhere it could come back from: the queue and the retry queue are empty.
      expect(await queueDepth(QUEUE)).toBe(0);
      expect(await queueDepth(`${QUEUE}.retry`)).toBe(0);
      expect(logs).toContainEqual(
        expect.objectContaining({
          msg: 'message dead-lettered',
          reason: 'max_attempts',
          messageId,
          attempts: '3',
        }),
      );
      expect(attempts.get('poison')).toHaveLength(MAX_ATTEMPTS);
    });

    it('exposes the counters on a prom-client registry, read at scrape time', async () => {
      const registry = new Registry();
      consumer.messaging.registerMetrics(registry);
      consumer.messaging.registerMetrics(registry);
      const text = await registry.metrics();
      const line = (labels: string, value: number) =>
        `bulwark_messaging_messages_total{queue="${QUEUE}",${labels}} ${value}`;
      expect(text).toContain('# TYPE bulwark_messaging_messages_total counter');
      expect(text).toContain(line('outcome="consumed"', 6));
      expect(text).toContain(line('outcome="acked"', 1));
      expect(text).toContain(line('outcome="retried"', 4));
      expect(text).toContain(line('outcome="dead_lettered"', 1));
      expect(text).toContain(
        `bulwark_messaging_rejected_total{queue="${QUEUE}",reason="max_attempts"} 1`,
      );
      expect(text).toContain(`bulwark_messaging_handled_total{queue="${QUEUE}"} 6`);
      expect(text).toMatch(
        /bulwark_messaging_handler_seconds_total\{queue="billing\.retries"\} \d/,
      );
    });

    it("bounds a crash loop too: the quorum queue's delivery limit dead-letters a message whose consumer keeps dying", async () => {
      // A consumer that dies before acking (here: closes its channel mid-message) gets the
      // message back each time; the broker's delivery limit ends the loop, with no help from us.
      await consumer.moduleRef.close();
      const before = await queueDepth(`${QUEUE}.dlq`);
      await producer.messaging.publish(EXCHANGE, 'invoice.requested', { key: 'crash' });
      let deliveries = 0;
      const connection = await rawConnection('billing');
      try {
        while ((await queueDepth(`${QUEUE}.dlq`)) === before) {
          const channel = await connection.createChannel();
          const message = await channel.get(QUEUE, { noAck: false });
          if (message) deliveries += 1;
          await channel.close();
          expect(deliveries).toBeLessThanOrEqual(MAX_ATTEMPTS + 1);
        }
      } finally {
        await connection.close();
      }
      expect(deliveries).toBe(MAX_ATTEMPTS + 1);
      expect(await queueDepth(QUEUE)).toBe(0);
      consumer = await startApp(
        {
          ...tlsOptions('billing'),
          producers: { [ORDERS]: keys.jwksFile },
          maxAttempts: MAX_ATTEMPTS,
          retryDelayMs: 100,
        },
        { providers: [Flaky] },
        logs,
      );
      await consumer.messaging.whenConnected();
    });
  },
);

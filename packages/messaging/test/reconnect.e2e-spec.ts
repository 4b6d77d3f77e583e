import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { MessagingError } from '../src/messaging.error.js';
import type { MessagingService } from '../src/messaging.service.js';
import type { MessagingLogEntry } from '../src/messaging-options.interface.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  rabbitmqctl,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.reconnect';
const received: number[] = [];

@Injectable()
class Billing {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: 'order.placed',
    producers: [ORDERS],
    validate: (payload) => payload as { n: number },
  })
  handle(payload: { n: number }) {
    received.push(payload.n);
  }
}

type App = { messaging: MessagingService; moduleRef: { close(): Promise<void> } };

describe.skipIf(!broker.available)('broker restart and certificate rotation', () => {
  let dir: string;
  let keys: KeyFiles;
  let producer: App;
  let consumer: App;
  const logs: MessagingLogEntry[] = [];
  let certFile: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-reconnect-'));
    keys = await makeKeys(dir, 'orders');
    // The producer reads its certificate from files this test rewrites, as cert-manager would.
    certFile = join(dir, 'tls.crt');
    keyFile = join(dir, 'tls.key');
    copyFileSync(broker.identities.orders.certFile, certFile);
    copyFileSync(broker.identities.orders.keyFile, keyFile);
    producer = await startApp(
      {
        ...tlsOptions('orders'),
        certFile,
        keyFile,
        signingKeyFile: keys.privateFile,
        exchanges: [{ name: 'orders.events' }],
        publishBufferSize: 3,
        publishTimeoutMs: 120_000,
        reconnectMinDelayMs: 50,
        reconnectMaxDelayMs: 500,
      },
      {},
      logs,
    );
    await producer.messaging.whenConnected();
    consumer = await startApp(
      {
        ...tlsOptions('billing'),
        producers: { [ORDERS]: keys.jwksFile },
        reconnectMinDelayMs: 50,
        reconnectMaxDelayMs: 500,
      },
      { providers: [Billing] },
    );
    await consumer.messaging.whenConnected();
  });

  afterAll(async () => {
    await producer.moduleRef.close();
    await consumer.moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes not ready while the broker is down, buffers up to the bound, fails fast past it, and delivers the buffer after reconnecting', async () => {
    await rabbitmqctl(['stop_app']);
    try {
      await eventually(() => !producer.messaging.readiness().ready, 'readiness to drop');
      expect(producer.messaging.readiness()).toMatchObject({
        ready: false,
        detail: expect.stringContaining('broker unreachable'),
      });
      const buffered = [1, 2, 3].map((n) =>
        producer.messaging.publish('orders.events', 'order.placed', { n }),
      );
      // Signing is asynchronous: the overflow is sent only once the three wait in the buffer.
      await eventually(
        () => producer.messaging.pendingPublishes() === 3,
        'three buffered publishes',
      );
      const overflow = await producer.messaging
        .publish('orders.events', 'order.placed', { n: 4 })
        .catch((error: unknown) => error);
      expect(overflow).toBeInstanceOf(MessagingError);
      expect((overflow as MessagingError).code).toBe('MESSAGING_BUFFER_FULL');
      expect((overflow as MessagingError).message).toBe(
        'the broker connection is down and 3 publishes already wait (publishBufferSize). Retry later.',
      );
      await rabbitmqctl(['start_app']);
      await Promise.all(buffered);
    } finally {
      await rabbitmqctl(['start_app']).catch(() => {});
    }
    await eventually(() => producer.messaging.readiness().ready, 'readiness to come back', 60_000);
    await eventually(() => received.length >= 3, 'the buffered messages', 60_000);
    expect([...received].sort()).toEqual([1, 2, 3]);
  }, 240_000);

  it('reads the certificate files again on reconnect: a rotated certificate is used', async () => {
    // Rotate to a certificate the broker maps to no user: the next connection must fail.
    copyFileSync(broker.identities.outsider.certFile, certFile);
    copyFileSync(broker.identities.outsider.keyFile, keyFile);
    logs.length = 0;
    await rabbitmqctl(['close_all_connections', 'rotation test']);
    await eventually(
      () =>
        logs.some(
          (entry) =>
            entry.msg === 'broker connection failed' &&
            /ACCESS_REFUSED|403/.test(String(entry.error)),
        ),
      'the refused reconnect with the rotated certificate',
    );
    expect(producer.messaging.readiness().ready).toBe(false);
    // Rotate back to a valid one: the next attempt connects, without a restart.
    copyFileSync(broker.identities.orders.certFile, certFile);
    copyFileSync(broker.identities.orders.keyFile, keyFile);
    await eventually(
      () => producer.messaging.readiness().ready,
      'the reconnect with the valid certificate',
    );
    await expect(
      producer.messaging.publish('orders.events', 'order.placed', { n: 5 }),
    ).resolves.toBeDefined();
    await eventually(() => received.includes(5), 'the message after rotation');
  });
});

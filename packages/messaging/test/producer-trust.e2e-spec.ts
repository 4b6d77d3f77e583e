import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { IsString } from 'class-validator';
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
const QUEUE = 'billing.rotation';
const TYPE = 'order.rotated';

class Rotated {
  @IsString()
  orderId!: string;
}

const handled: string[] = [];

@Injectable()
class Billing {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: TYPE,
    producers: [ORDERS],
    dto: Rotated,
  })
  onRotated(payload: Rotated) {
    handled.push(payload.orderId);
  }
}

const publicKeys = (keys: KeyFiles) =>
  (JSON.parse(readFileSync(keys.jwksFile, 'utf8')) as { keys: unknown[] }).keys;

describe.skipIf(!broker.available)('which producers a consumer trusts', () => {
  let dir: string;
  let oldKey: KeyFiles;
  let newKey: KeyFiles;
  let trusted: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-trust-'));
    oldKey = await makeKeys(dir, 'orders');
    newKey = await makeKeys(dir, 'orders');
    trusted = join(dir, 'orders-trusted.jwks.json');
    writeFileSync(trusted, JSON.stringify({ keys: publicKeys(oldKey) }));
    // The consumer binds to the producer's exchange, which the consumer may not declare.
    const admin = await rawConnection('admin');
    const channel = await admin.createChannel();
    await channel.assertExchange('orders.events', 'topic', { durable: true });
    await admin.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function publishWith(keys: KeyFiles, orderId: string): Promise<void> {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    try {
      await producer.messaging.publish('orders.events', TYPE, { orderId });
    } finally {
      await producer.moduleRef.close();
    }
  }

  it("follows a rotation of the producer's keys by a rewrite of its JWKS file, with no restart", async () => {
    const consumer = await startApp(
      {
        ...tlsOptions('billing'),
        producers: { [ORDERS]: trusted },
        keyReloadIntervalMs: 200,
      },
      { providers: [Billing] },
    );
    const messaging: MessagingService = consumer.messaging;
    const rejected = () => messaging.stats()[QUEUE]?.rejected.unknown_key ?? 0;
    try {
      await messaging.whenConnected();
      await publishWith(oldKey, 'old-1');
      await eventually(() => handled.includes('old-1'), 'the message signed with the old key');

      // Step 1: the new public key is added to the file; step 2: the producer signs with it.
      writeFileSync(
        trusted,
        JSON.stringify({ keys: [...publicKeys(oldKey), ...publicKeys(newKey)] }),
      );
      // The file is checked again at most every keyReloadIntervalMs: the producer switches after.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await publishWith(newKey, 'new-1');
      await eventually(() => handled.includes('new-1'), 'the message signed with the new key');

      // Step 3: the old public key is removed; once the file is checked again (every
      // keyReloadIntervalMs), what the old key signs is refused.
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(trusted, JSON.stringify({ keys: publicKeys(newKey) }));
      await new Promise((resolve) => setTimeout(resolve, 400));
      await publishWith(oldKey, 'old-2');
      await eventually(() => rejected() === 1, 'a refusal of the removed key');
      expect(handled).not.toContain('old-2');
      await publishWith(newKey, 'new-2');
      await eventually(() => handled.includes('new-2'), 'the new key still accepted');
    } finally {
      await consumer.moduleRef.close();
    }
  });

  it('lets no producer claim another user: the broker refuses a user-id that is not the connection user', async () => {
    const rogue = await rawConnection('rogue');
    try {
      const channel = await rogue.createConfirmChannel();
      const closed = new Promise<Error>((resolve) => channel.once('error', resolve));
      channel.publish('orders.events', TYPE, Buffer.from('{"orderId":"x"}'), {
        userId: ORDERS,
      });
      const error = await closed;
      expect(String(error.message)).toMatch(/PRECONDITION_FAILED/);
      expect(error.message).toContain('user_id property set to');
    } finally {
      await rogue.close().catch(() => {});
    }
  });
});

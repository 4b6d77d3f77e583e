import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { IsInt } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import type { ConsumedMessage } from '../src/messaging.types.js';
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
const PREFETCH_QUEUE = 'billing.prefetch';
const ROLES_QUEUE = 'billing.roles';

class Numbered {
  @IsInt()
  n!: number;
}

let release: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  release = resolve;
});
const started: number[] = [];
const audited: ConsumedMessage[] = [];

@Injectable()
class Slow {
  @Consume({
    queue: PREFETCH_QUEUE,
    exchange: 'orders.events',
    type: 'order.slow',
    producers: [ORDERS],
    dto: Numbered,
  })
  async onSlow(payload: Numbered) {
    started.push(payload.n);
    await gate;
  }

  @Consume({
    queue: ROLES_QUEUE,
    exchange: 'orders.events',
    type: 'order.audited',
    producers: [ORDERS],
    dto: Numbered,
    requires: { roles: ['auditor'] },
  })
  onAudited(_payload: Numbered, message: ConsumedMessage) {
    audited.push(message);
  }
}

describe.skipIf(!broker.available)('consumer bounds', () => {
  let dir: string;
  let keys: KeyFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-bounds-'));
    keys = await makeKeys(dir, 'orders');
    const admin = await rawConnection('admin');
    const channel = await admin.createChannel();
    await channel.assertExchange('orders.events', 'topic', { durable: true });
    await admin.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes at most prefetch unacknowledged messages; the rest wait in the queue', async () => {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    const consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile }, prefetch: 3 },
      { providers: [Slow] },
    );
    try {
      await consumer.messaging.whenConnected();
      for (let n = 1; n <= 8; n++) {
        await producer.messaging.publish('orders.events', 'order.slow', { n });
      }
      await eventually(
        async () => (await queueDepth(PREFETCH_QUEUE)) === 5,
        'three messages taken and five waiting',
      );
      expect(started.length).toBeLessThanOrEqual(3);
      expect(consumer.messaging.stats()[PREFETCH_QUEUE]?.acked ?? 0).toBe(0);
      release();
      await eventually(
        () => consumer.messaging.stats()[PREFETCH_QUEUE]?.acked === 8,
        'all eight acked once the handler goes on',
      );
      expect([...started].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await queueDepth(PREFETCH_QUEUE)).toBe(0);
    } finally {
      release();
      gate = Promise.resolve();
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
    }
  });

  it('requires the roles a handler declares of the actor, as HTTP routes do', async () => {
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    const consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile } },
      { providers: [Slow] },
    );
    try {
      await consumer.messaging.whenConnected();
      const actor = (roles: string[]) => ({
        issuer: 'https://idp.example',
        subject: 'alice',
        roles,
      });
      await producer.messaging.publish(
        'orders.events',
        'order.audited',
        { n: 1 },
        { actor: actor(['viewer']) },
      );
      await producer.messaging.publish('orders.events', 'order.audited', { n: 2 });
      await producer.messaging.publish(
        'orders.events',
        'order.audited',
        { n: 3 },
        { actor: actor(['auditor']) },
      );
      await eventually(
        () => audited.length === 1 && consumer.messaging.stats()[ROLES_QUEUE]?.deadLettered === 2,
        'one permitted and two refused',
      );
      expect(audited[0]?.actor).toEqual({
        iss: 'https://idp.example',
        sub: 'alice',
        roles: ['auditor'],
      });
      expect(consumer.messaging.stats()[ROLES_QUEUE]?.rejected).toEqual({ actor_forbidden: 2 });
    } finally {
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
    }
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { Injectable } from '@nestjs/common';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { IsInt, IsString } from 'class-validator';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { SIGNATURE_HEADER, SIGNATURE_TYPE } from '../src/messaging.constants.js';
import type { MessagingService } from '../src/messaging.service.js';
import type { ConsumedMessage, RejectionReason } from '../src/messaging.types.js';
import type { MessagingLogEntry } from '../src/messaging-options.interface.js';
import {
  broker,
  eventually,
  type Identity,
  type KeyFiles,
  makeKeys,
  queueDepth,
  rawConnection,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const ROGUE = broker.identities?.rogue.spiffeId ?? '';
const QUEUE = 'billing.signatures';
const DLQ = `${QUEUE}.dlq`;
const EXCHANGE = 'orders.events';

class OrderCreated {
  @IsString()
  orderId!: string;

  @IsInt()
  quantity!: number;
}

const handled: { payload: unknown; message: ConsumedMessage }[] = [];

@Injectable()
class Billing {
  @Consume({
    queue: QUEUE,
    exchange: EXCHANGE,
    type: 'order.created',
    routingKey: 'order.*',
    producers: [ORDERS],
    dto: OrderCreated,
  })
  onCreated(payload: OrderCreated, message: ConsumedMessage) {
    handled.push({ payload, message });
  }

  @Consume({
    queue: QUEUE,
    exchange: EXCHANGE,
    type: 'order.refunded',
    producers: [ORDERS],
    validate: (payload) => payload,
    requires: { scopes: ['orders:refund'] },
  })
  onRefunded(payload: unknown, message: ConsumedMessage) {
    handled.push({ payload, message });
  }
}

interface Craft {
  as?: Identity;
  key?: KeyFiles;
  kid?: string;
  claims?: Record<string, unknown>;
  body?: string;
  signedBody?: string;
  routingKey?: string;
  signedRoutingKey?: string;
  type?: string;
  unsigned?: boolean;
  messageId?: string;
}

describe.skipIf(!broker.available)('consuming: every check before the handler', () => {
  let dir: string;
  let orders: KeyFiles;
  let rogue: KeyFiles;
  let thief: KeyFiles;
  let consumer: { messaging: MessagingService; moduleRef: { close(): Promise<void> } };
  const logs: MessagingLogEntry[] = [];
  const events: SecurityEvent[] = [];
  let unsubscribe: () => void;
  const connections = new Map<Identity, { model: ChannelModel; channel: ConfirmChannel }>();

  async function channelAs(identity: Identity): Promise<ConfirmChannel> {
    const existing = connections.get(identity);
    if (existing) return existing.channel;
    const model = await rawConnection(identity);
    const channel = await model.createConfirmChannel();
    connections.set(identity, { model, channel });
    return channel;
  }

  /** Publishes a message built by hand, the way an attacker with a broker account could. */
  async function craft(options: Craft = {}): Promise<string> {
    const as = options.as ?? 'orders';
    const user = broker.identities[as].spiffeId;
    const key = options.key ?? orders;
    const messageId = options.messageId ?? randomUUID();
    const body = options.body ?? JSON.stringify({ orderId: 'o-1', quantity: 2 });
    const signedBody = options.signedBody ?? body;
    const routingKey = options.routingKey ?? 'order.created';
    const type = options.type ?? 'order.created';
    const iat = Math.floor(Date.now() / 1000);
    const claims = {
      iss: user,
      jti: messageId,
      iat,
      exp: iat + 300,
      ex: EXCHANGE,
      rk: options.signedRoutingKey ?? routingKey,
      mt: type,
      bh: createHash('sha256').update(signedBody).digest('base64url'),
      ...options.claims,
    };
    const headers: Record<string, string> = {};
    if (!options.unsigned) {
      headers[SIGNATURE_HEADER] = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? key.kid, typ: SIGNATURE_TYPE })
        .sign(key.privateKey);
    }
    const channel = await channelAs(as);
    channel.publish(EXCHANGE, routingKey, Buffer.from(body), {
      messageId,
      type,
      userId: user,
      contentType: 'application/json',
      headers,
    });
    await channel.waitForConfirms();
    return messageId;
  }

  function rejected(reason: RejectionReason): number {
    return consumer.messaging.stats()[QUEUE]?.rejected[reason] ?? 0;
  }

  async function expectDeadLettered(reason: RejectionReason, send: () => Promise<string>) {
    const before = await queueDepth(DLQ);
    const count = rejected(reason);
    const messageId = await send();
    await eventually(() => rejected(reason) === count + 1, `a ${reason} rejection`);
    await eventually(
      async () => (await queueDepth(DLQ)) === before + 1,
      'the dead-lettered message',
    );
    expect(handled).toEqual([]);
    const line = logs.find((entry) => entry.reason === reason);
    expect(line).toMatchObject({ level: 'warn', msg: 'message dead-lettered', queue: QUEUE });
    expect(JSON.stringify(line)).not.toContain('o-1');
    return { messageId, line };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-signatures-'));
    orders = await makeKeys(dir, 'orders');
    rogue = await makeKeys(dir, 'rogue');
    thief = await makeKeys(dir, 'orders');
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: orders.privateFile,
      exchanges: [{ name: EXCHANGE }],
    });
    await producer.messaging.whenConnected();
    await producer.moduleRef.close();
    consumer = await startApp(
      {
        ...tlsOptions('billing'),
        producers: { [ORDERS]: orders.jwksFile, [ROGUE]: rogue.jwksFile },
        maxMessageBytes: 1024,
      },
      { providers: [Billing] },
      logs,
    );
    await consumer.messaging.whenConnected();
  });

  afterAll(async () => {
    unsubscribe();
    for (const { model } of connections.values()) await model.close().catch(() => {});
    await consumer.moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await eventually(() => consumer.messaging.stats()[QUEUE] !== undefined, 'the consumer');
    handled.length = 0;
    logs.length = 0;
    events.length = 0;
  });

  it('hands a valid message to the handler, validated, and acks it', async () => {
    const messageId = await craft();
    await eventually(() => handled.length === 1, 'the handler');
    expect(handled[0]?.payload).toBeInstanceOf(OrderCreated);
    expect(handled[0]?.message).toMatchObject({ id: messageId, producer: ORDERS, attempt: 1 });
  });

  it('dead-letters a forged signature (a key the producer does not hold)', async () => {
    await expectDeadLettered('bad_signature', () => craft({ key: thief, kid: orders.kid }));
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'authentication.failed', reason: 'bad_signature' }),
    );
  });

  it('dead-letters a message signed with a key id the producer never published', async () => {
    await expectDeadLettered('unknown_key', () => craft({ key: thief }));
  });

  it('dead-letters an unsigned message', async () => {
    await expectDeadLettered('unsigned', () => craft({ unsigned: true }));
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'authentication.failed', reason: 'unsigned' }),
    );
  });

  it('dead-letters a tampered body', async () => {
    await expectDeadLettered('body_mismatch', () =>
      craft({
        body: JSON.stringify({ orderId: 'o-1', quantity: 2000 }),
        signedBody: JSON.stringify({ orderId: 'o-1', quantity: 2 }),
      }),
    );
  });

  it('dead-letters a tampered routing key', async () => {
    await expectDeadLettered('route_mismatch', () =>
      craft({ routingKey: 'order.cancelled', signedRoutingKey: 'order.created' }),
    );
  });

  it('dead-letters a valid signature sent again under a new message id (to slip past the replay check)', async () => {
    await expectDeadLettered('body_mismatch', () => craft({ claims: { jti: randomUUID() } }));
  });

  it('dead-letters a producer it holds no keys for', async () => {
    const { line } = await expectDeadLettered('unknown_producer', () =>
      craft({ as: 'rogue', key: rogue, claims: { iss: 'spiffe://cluster.local/ns/x/sa/unknown' } }),
    );
    expect(line?.producer).toBe('spiffe://cluster.local/ns/x/sa/unknown');
  });

  it('dead-letters a known producer the handler does not accept', async () => {
    await expectDeadLettered('producer_not_allowed', () => craft({ as: 'rogue', key: rogue }));
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'authorization.denied', reason: 'producer_not_allowed' }),
    );
  });

  it("dead-letters a producer's key used from another broker account", async () => {
    await expectDeadLettered('user_mismatch', () =>
      craft({ as: 'rogue', key: orders, claims: { iss: ORDERS } }),
    );
  });

  it('dead-letters an expired message', async () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    await expectDeadLettered('expired', () => craft({ claims: { iat: old, exp: old + 300 } }));
  });

  it('dead-letters a message older than maxAgeSeconds even with a far expiry', async () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    await expectDeadLettered('expired', () => craft({ claims: { iat: old, exp: old + 86_400 } }));
  });

  it('drops a replayed message id after it was handled, without calling the handler again', async () => {
    const messageId = await craft();
    await eventually(() => handled.length === 1, 'the first delivery');
    const count = rejected('replayed');
    await craft({ messageId });
    await eventually(() => rejected('replayed') === count + 1, 'the replay');
    expect(handled).toHaveLength(1);
    expect(events).toContainEqual(expect.objectContaining({ reason: 'replayed' }));
    expect(logs.find((entry) => entry.reason === 'replayed')).toMatchObject({
      msg: 'message dropped',
    });
  });

  it('handles a message once when its duplicate arrives while the first is still being checked', async () => {
    const messageId = randomUUID();
    const count = rejected('replayed');
    // Back to back on one channel: both deliveries are in the consumer at the same time.
    await Promise.all([craft({ messageId }), craft({ messageId }), craft({ messageId })]);
    await eventually(
      () => handled.length + rejected('replayed') - count === 3,
      'the three deliveries settled',
    );
    expect(handled).toHaveLength(1);
    expect(rejected('replayed')).toBe(count + 2);
  });

  it('dead-letters a payload with an unknown field', async () => {
    await expectDeadLettered('invalid_payload', () =>
      craft({ body: JSON.stringify({ orderId: 'o-1', quantity: 2, discount: 100 }) }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'input.rejected', reason: 'invalid_payload' }),
    );
  });

  it('dead-letters a payload with a protected field, a wrong type, or no JSON', async () => {
    const count = rejected('invalid_payload');
    await craft({ body: JSON.stringify({ orderId: 'o-1', quantity: 2, ownerId: 'mallory' }) });
    await craft({ body: JSON.stringify({ orderId: 'o-1', quantity: 'two' }) });
    await craft({ body: '{"orderId":' });
    await eventually(() => rejected('invalid_payload') === count + 3, 'three invalid payloads');
    expect(handled).toEqual([]);
  });

  it('dead-letters a message larger than maxMessageBytes unread', async () => {
    await expectDeadLettered('too_large', () =>
      craft({ body: JSON.stringify({ orderId: 'x'.repeat(2000), quantity: 1 }) }),
    );
  });

  it('dead-letters a type no handler declares', async () => {
    await expectDeadLettered('unknown_type', () =>
      craft({ routingKey: 'order.shipped', type: 'order.shipped' }),
    );
  });

  it('refuses an actor without the required scope, and accepts one with it', async () => {
    const body = JSON.stringify({ orderId: 'o-9' });
    await expectDeadLettered('actor_forbidden', () =>
      craft({ routingKey: 'order.refunded', type: 'order.refunded', body }),
    );
    await craft({
      routingKey: 'order.refunded',
      type: 'order.refunded',
      body,
      claims: { act: { iss: 'https://idp.example', sub: 'alice', scope: 'orders:refund' } },
    });
    await eventually(() => handled.length === 1, 'the permitted refund');
    expect(handled[0]?.message.actor).toEqual({
      iss: 'https://idp.example',
      sub: 'alice',
      scope: 'orders:refund',
    });
  });
});

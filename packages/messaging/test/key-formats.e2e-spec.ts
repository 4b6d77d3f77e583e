import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import { IsString } from 'class-validator';
import { decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { SIGNATURE_HEADER } from '../src/messaging.constants.js';
import type { ConsumedMessage } from '../src/messaging.types.js';
import { broker, eventually, rawConnection, startApp, tlsOptions } from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.key-formats';
const TAP = 'billing.key-formats.tap';
const TYPE = 'order.signed';

class Signed {
  @IsString()
  orderId!: string;
}

const received: { payload: Signed; message: ConsumedMessage }[] = [];

@Injectable()
class Billing {
  @Consume({
    queue: QUEUE,
    exchange: 'orders.events',
    type: TYPE,
    producers: [ORDERS],
    dto: Signed,
  })
  onSigned(payload: Signed, message: ConsumedMessage) {
    received.push({ payload, message });
  }
}

/** A signing key file in `format`, and the JWKS file with its public half. */
async function keyFiles(dir: string, alg: 'EdDSA' | 'ES256', format: 'jwk' | 'pem') {
  const kid = `orders-${alg}-${format}`;
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateFile = join(dir, `${kid}.${format === 'jwk' ? 'jwk.json' : 'pem'}`);
  writeFileSync(
    privateFile,
    format === 'jwk'
      ? JSON.stringify({ ...(await exportJWK(privateKey)), kid })
      : await exportPKCS8(privateKey),
  );
  const publicJwk = await exportJWK(publicKey);
  const jwksFile = join(dir, `${kid}.jwks.json`);
  // A PEM carries no key id: the consumer finds the key by its RFC 7638 thumbprint.
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicJwk, alg, ...(format === 'jwk' ? { kid } : {}) }] }),
  );
  return { privateFile, jwksFile };
}

describe.skipIf(!broker.available)('signing keys, end to end through the broker', () => {
  let dir: string;
  let admin: ChannelModel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-keys-'));
    admin = await rawConnection('admin');
    const channel = await admin.createChannel();
    await channel.assertExchange('orders.events', 'topic', { durable: true });
    await channel.assertQueue(TAP, { durable: false });
    await channel.bindQueue(TAP, 'orders.events', TYPE);
    await channel.close();
  });
  afterAll(async () => {
    const channel = await admin.createChannel();
    await channel.deleteQueue(TAP);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['ES256', 'jwk'],
    ['ES256', 'pem'],
    ['EdDSA', 'pem'],
  ] as const)(
    'carries a message signed with %s from a %s file, verified and handled',
    async (alg, format) => {
      const files = await keyFiles(dir, alg, format);
      const producer = await startApp({
        ...tlsOptions('orders'),
        signingKeyFile: files.privateFile,
        exchanges: [{ name: 'orders.events' }],
      });
      const consumer = await startApp(
        { ...tlsOptions('billing'), producers: { [ORDERS]: files.jwksFile } },
        { providers: [Billing] },
      );
      try {
        await producer.messaging.whenConnected();
        await consumer.messaging.whenConnected();
        const before = received.length;
        const { messageId } = await producer.messaging.publish(
          'orders.events',
          TYPE,
          { orderId: `${alg}-${format}` },
          { actor: { issuer: 'https://idp.example', subject: 'alice' } },
        );
        await eventually(() => received.length === before + 1, 'the message');
        expect(received.at(-1)?.payload).toEqual({ orderId: `${alg}-${format}` });
        expect(received.at(-1)?.message).toMatchObject({
          id: messageId,
          producer: ORDERS,
          actor: { iss: 'https://idp.example', sub: 'alice' },
        });
        expect(consumer.messaging.stats()[QUEUE]?.deadLettered).toBe(0);

        const channel = await admin.createChannel();
        const tapped = await channel.get(TAP, { noAck: true });
        await channel.close();
        if (tapped === false) throw new Error('the tap queue holds no copy of the message');
        expect(tapped.properties.messageId).toBe(messageId);
        const jws = String(tapped.properties.headers?.[SIGNATURE_HEADER]);
        expect(decodeProtectedHeader(jws)).toMatchObject({ alg, typ: 'bulwark-message+jwt' });
      } finally {
        await producer.moduleRef.close();
        await consumer.moduleRef.close();
      }
    },
  );
});

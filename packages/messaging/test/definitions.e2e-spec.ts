import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { MessagingError } from '../src/messaging.error.js';
import type { MessagingService } from '../src/messaging.service.js';
import {
  broker,
  brokerUrl,
  eventually,
  type KeyFiles,
  makeKeys,
  rabbitmqctl,
  rawConnection,
  startApp,
  tlsOptions,
} from './support/fixture.js';

// The broker definitions `create-bulwark --messaging` generates.
const DEFINITIONS = fileURLToPath(
  new URL(
    '../../../templates/service/_variants/messaging/deploy/rabbitmq/definitions.json',
    import.meta.url,
  ),
);
const SERVICE = broker.identities?.service.spiffeId ?? '';
const received: unknown[] = [];

@Injectable()
class Work {
  @Consume({
    queue: 'service.work',
    exchange: 'service.events',
    type: 'work.item',
    producers: [SERVICE],
    validate: (payload) => payload,
  })
  handle(payload: unknown) {
    received.push(payload);
  }
}

describe.skipIf(!broker.available)("the scaffolder's least-privilege broker definitions", () => {
  let dir: string;
  let keys: KeyFiles;
  let app: { messaging: MessagingService; moduleRef: { close(): Promise<void> } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-definitions-'));
    keys = await makeKeys(dir, 'service');
    await rabbitmqctl(['import_definitions', DEFINITIONS]);
    app = await startApp(
      {
        ...tlsOptions('service'),
        url: `${brokerUrl()}/service`,
        signingKeyFile: keys.privateFile,
        producers: { [SERVICE]: keys.jwksFile },
        exchanges: [{ name: 'service.events' }],
      },
      { providers: [Work] },
    );
  });

  afterAll(async () => {
    await app.moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the service declare exactly the topology the definitions hold, and carry a message', async () => {
    // A queue argument differing from the definitions would fail the declaration (406).
    await app.messaging.whenConnected();
    await app.messaging.publish('service.events', 'work.item', { id: 1 });
    await eventually(() => received.length === 1, 'the message');
    expect(received).toEqual([{ id: 1 }]);
  });

  it('refuses a write outside the service.* names with a typed error', async () => {
    const refused = await app.messaging
      .publish('amq.topic', 'work.item', { id: 2 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MessagingError);
    expect((refused as MessagingError).code).toBe('MESSAGING_ACCESS_REFUSED');
    expect((refused as MessagingError).message).toContain('exchange "amq.topic"');
  });

  it('refuses declaring a queue outside the service.* names', async () => {
    const connection = await rawConnection('service', '/service');
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await expect(channel.assertQueue('billing.stolen')).rejects.toThrow(/403|ACCESS_REFUSED/);
    } finally {
      await connection.close().catch(() => {});
    }
  });

  it('lets no other service into the vhost', async () => {
    // The broker answers connection.open for a vhost the user has no permission on with a
    // connection.close (530 NOT_ALLOWED), which amqplib reports this way.
    await expect(rawConnection('orders', '/service')).rejects.toThrow(
      'Expected ConnectionOpenOk; got <ConnectionClose channel:0>',
    );
  });
});

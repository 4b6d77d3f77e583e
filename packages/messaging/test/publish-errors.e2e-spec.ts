import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingError } from '../src/messaging.error.js';
import {
  broker,
  type KeyFiles,
  makeKeys,
  rabbitmqctl,
  rawConnection,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the publish resolved');
    },
    (error: unknown) => error as MessagingError,
  );

describe.skipIf(!broker.available)('publish failures are typed errors, not crashes', () => {
  let dir: string;
  let keys: KeyFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-publish-'));
    keys = await makeKeys(dir, 'admin');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MESSAGING_NOT_FOUND names an exchange that does not exist, and publishing goes on', async () => {
    const app = await startApp({
      ...tlsOptions('admin'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'test.found' }],
    });
    try {
      await app.messaging.whenConnected();
      const error = await failure(app.messaging.publish('test.no-such-exchange', 'x', { n: 1 }));
      expect(error).toBeInstanceOf(MessagingError);
      expect(error.code).toBe('MESSAGING_NOT_FOUND');
      expect(error.message).toBe(
        'the exchange "test.no-such-exchange" does not exist (404 NOT_FOUND). Declare it in the broker definitions or in the exchanges option.',
      );
      await expect(app.messaging.publish('test.found', 'x', { n: 2 })).resolves.toMatchObject({
        messageId: expect.any(String),
      });
      expect(app.messaging.readiness().ready).toBe(true);
      expect(app.messaging.pendingPublishes()).toBe(0);
    } finally {
      await app.moduleRef.close();
    }
  });

  it('MESSAGING_NACKED when the broker refuses to take the message (a full reject-publish queue)', async () => {
    const admin = await rawConnection('admin');
    const channel = await admin.createChannel();
    await channel.assertExchange('test.nack', 'fanout', { durable: false, autoDelete: false });
    await channel.assertQueue('test.nack.full', {
      durable: false,
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue('test.nack.full', 'test.nack', '');
    await channel.purgeQueue('test.nack.full');
    const app = await startApp({ ...tlsOptions('admin'), signingKeyFile: keys.privateFile });
    try {
      await app.messaging.whenConnected();
      await app.messaging.publish('test.nack', 'x', { n: 1 });
      const error = await failure(app.messaging.publish('test.nack', 'x', { n: 2 }));
      expect(error).toBeInstanceOf(MessagingError);
      expect(error.code).toBe('MESSAGING_NACKED');
      expect(error.message).toBe(
        'the broker did not take the message for exchange "test.nack" (nack).',
      );
      expect((await channel.checkQueue('test.nack.full')).messageCount).toBe(1);
      expect(app.messaging.pendingPublishes()).toBe(0);
    } finally {
      await app.moduleRef.close();
      await channel.deleteQueue('test.nack.full');
      await channel.deleteExchange('test.nack');
      await admin.close();
    }
  });

  it('MESSAGING_PUBLISH_TIMEOUT when the broker is never reachable within publishTimeoutMs', async () => {
    const app = await startApp({
      ...tlsOptions('admin'),
      url: `amqps://127.0.0.1:${await freePort()}`,
      signingKeyFile: keys.privateFile,
      publishTimeoutMs: 300,
    });
    try {
      const error = await failure(app.messaging.publish('test.found', 'x', { n: 1 }));
      expect(error).toBeInstanceOf(MessagingError);
      expect(error.code).toBe('MESSAGING_PUBLISH_TIMEOUT');
      expect(error.message).toBe(
        'the broker did not confirm the message for exchange "test.found" within 300 ms (publishTimeoutMs).',
      );
      expect(app.messaging.pendingPublishes()).toBe(0);
    } finally {
      await app.moduleRef.close();
    }
  });

  it('MESSAGING_PUBLISH_TIMEOUT when a connected broker does not confirm (publishers blocked by a memory alarm)', async () => {
    const app = await startApp({
      ...tlsOptions('admin'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'test.found' }],
      publishTimeoutMs: 1000,
    });
    try {
      await app.messaging.whenConnected();
      await rabbitmqctl(['set_vm_memory_high_watermark', '0']);
      try {
        const error = await failure(app.messaging.publish('test.found', 'x', { n: 1 }));
        expect(error.code).toBe('MESSAGING_PUBLISH_TIMEOUT');
        expect(app.messaging.readiness().ready).toBe(true);
        expect(app.messaging.pendingPublishes()).toBe(0);
      } finally {
        await rabbitmqctl(['set_vm_memory_high_watermark', '0.8']);
      }
      // Unblocked, the same connection confirms again.
      await expect(app.messaging.publish('test.found', 'x', { n: 2 })).resolves.toMatchObject({
        messageId: expect.any(String),
      });
    } finally {
      await app.moduleRef.close();
    }
  });

  it('reads the broker URL from AMQP_URL_FILE and connects to the real broker', async () => {
    const file = join(dir, 'amqp-url');
    writeFileSync(file, `amqps://127.0.0.1:${broker.port}\n`, { mode: 0o600 });
    const { url: _url, ...options } = tlsOptions('admin');
    const app = await startApp({
      ...options,
      env: { AMQP_URL_FILE: file },
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'test.found' }],
    });
    try {
      await app.messaging.whenConnected();
      expect(app.messaging.readiness()).toEqual({ ready: true });
      await expect(app.messaging.publish('test.found', 'x', { n: 1 })).resolves.toMatchObject({
        messageId: expect.any(String),
      });
    } finally {
      await app.moduleRef.close();
    }
  });
});

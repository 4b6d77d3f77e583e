import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectConfigRejection } from '@bulwark/test-harness';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingModule } from '../src/messaging.module.js';

/*
 * Every environment variable the messaging module reads, with a bad value, stops start-up with
 * an error naming that variable. The module is registered as the generated service's
 * EventsModule does (forRootAsync, resolved while the app is created), where @bulwark/service's
 * startService() turns a BulwarkConfigError into one fatal JSON line; the service's own
 * env-error table cannot load this package, so this is its table.
 */
const dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-env-'));
const garbage = join(dir, 'garbage.txt');
const httpUrl = join(dir, 'http-url');
const missing = join(dir, 'missing');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  writeFileSync(garbage, 'not a key, a certificate or a JWKS');
  writeFileSync(httpUrl, 'http://rabbit.example-secret/');
});

const BASE = { AMQP_URL: 'amqps://rabbit.example-secret:5671/service' };

/** [variable named, the environment, why it is wrong] */
const ROWS: Array<[string, Record<string, string>, string]> = [
  ['AMQP_URL', { AMQP_URL: 'not a url' }, 'not a URL'],
  ['AMQP_URL', { AMQP_URL: 'http://rabbit.example-secret/' }, 'not amqps'],
  [
    'AMQP_URL',
    { AMQP_URL: 'amqp://rabbit.example-secret/', NODE_ENV: 'production' },
    'plaintext in production',
  ],
  ['AMQP_URL', { NODE_ENV: 'production' }, 'missing in production'],
  ['AMQP_URL_FILE', { AMQP_URL_FILE: missing }, 'no such file'],
  ['AMQP_URL_FILE', { AMQP_URL_FILE: httpUrl }, 'not amqps'],
  ['AMQP_URL_FILE', { AMQP_URL_FILE: httpUrl, AMQP_URL: BASE.AMQP_URL }, 'both set'],
  ['AMQP_ALLOW_PLAINTEXT', { ...BASE, AMQP_ALLOW_PLAINTEXT: 'maybe' }, 'not a boolean'],
  ['TLS_CA_FILE', { ...BASE, TLS_CA_FILE: missing }, 'no such file'],
  ['TLS_CERT_FILE', { ...BASE, TLS_CERT_FILE: missing, TLS_KEY_FILE: garbage }, 'no such file'],
  ['TLS_CERT_FILE', { ...BASE, TLS_CERT_FILE: garbage, TLS_KEY_FILE: garbage }, 'no certificate'],
  ['TLS_KEY_FILE', { ...BASE, TLS_CERT_FILE: garbage }, 'certificate without key'],
  ['TLS_KEY_FILE', { ...BASE, TLS_CERT_FILE: garbage, TLS_KEY_FILE: missing }, 'no such file'],
  ['MESSAGING_SIGNING_KEY_FILE', { ...BASE, MESSAGING_SIGNING_KEY_FILE: missing }, 'no such file'],
  ['MESSAGING_SIGNING_KEY_FILE', { ...BASE, MESSAGING_SIGNING_KEY_FILE: garbage }, 'no key'],
  ['MESSAGING_PRODUCERS', { ...BASE, MESSAGING_PRODUCERS: 'orders' }, 'no file'],
  ['MESSAGING_PRODUCERS', { ...BASE, MESSAGING_PRODUCERS: `orders=${missing}` }, 'no such file'],
  ['MESSAGING_PRODUCERS', { ...BASE, MESSAGING_PRODUCERS: `orders=${garbage}` }, 'not a JWKS'],
  ['MESSAGING_PREFETCH', { ...BASE, MESSAGING_PREFETCH: '0' }, 'below 1'],
  ['MESSAGING_PREFETCH', { ...BASE, MESSAGING_PREFETCH: 'many' }, 'not a number'],
  ['MESSAGING_MAX_ATTEMPTS', { ...BASE, MESSAGING_MAX_ATTEMPTS: '101' }, 'above 100'],
  ['MESSAGING_RETRY_DELAY_MS', { ...BASE, MESSAGING_RETRY_DELAY_MS: '-1' }, 'negative'],
  ['MESSAGING_MAX_MESSAGE_BYTES', { ...BASE, MESSAGING_MAX_MESSAGE_BYTES: '1.5' }, 'fraction'],
  ['MESSAGING_MAX_AGE_SECONDS', { ...BASE, MESSAGING_MAX_AGE_SECONDS: '0' }, 'zero'],
  ['MESSAGING_PUBLISH_BUFFER', { ...BASE, MESSAGING_PUBLISH_BUFFER: 'lots' }, 'not a number'],
  ['MESSAGING_PUBLISH_TIMEOUT_MS', { ...BASE, MESSAGING_PUBLISH_TIMEOUT_MS: '0' }, 'zero'],
  ['REDIS_URL', { ...BASE, REDIS_URL: 'http://cache.internal/' }, 'not redis'],
];

async function startUp(env: Record<string, string>): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forRootAsync({ useFactory: () => ({ env, log: () => {} }) })],
  }).compile();
  await moduleRef.init();
  await moduleRef.close();
}

describe('a bad messaging variable stops start-up naming it', () => {
  it.each(ROWS.map(([variable, env, why]) => ({ variable, env, why })))(
    '$variable: $why',
    async ({ variable, env }) => {
      // The URL may hold a password: it is never echoed.
      const { message } = await expectConfigRejection(() => startUp(env), {
        contains: variable,
        omits: 'rabbit.example-secret',
      });
      // `VARIABLE: why`, `option (VARIABLE): why` or `VARIABLE (producer): why`: the setting first.
      expect(message.split(': ')[0], message).toMatch(/\b[A-Z][A-Z_]{3,}\b/);
    },
  );

  it('starts with every variable set to a good value', async () => {
    await expect(
      startUp({ ...BASE, MESSAGING_PREFETCH: '8', AMQP_ALLOW_PLAINTEXT: 'false' }),
    ).resolves.toBeUndefined();
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { describeModuleRegistration, expectConfigError } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consume } from './consume.decorator.js';
import { resolveMessagingOptions } from './internal/resolve-options.js';
import { MessagingModule } from './messaging.module.js';
import { InjectMessagingOptions, MESSAGING_OPTIONS } from './messaging.module-definition.js';
import { MessagingService } from './messaging.service.js';
import type { ConsumeOptions } from './messaging.types.js';
import type {
  MessagingModuleOptions,
  MessagingOptionsFactory,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';

const quiet = { log: () => {} };
const PRODUCER = 'spiffe://cluster.local/ns/orders/sa/orders';
let dir: string;
let jwksFile: string;
let pem: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-spec-'));
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  jwksFile = join(dir, 'orders.jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] }),
  );
  pem = join(dir, 'cert.pem');
  writeFileSync(pem, 'not read as a certificate here');
  writeFileSync(join(dir, 'signing.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `BulwarkConfigError` resolving these options throws; fails the test when there is none. */
function refusal(env: Record<string, string>, options: MessagingModuleOptions = {}) {
  return expectConfigError(() => resolveMessagingOptions({ ...options, env }));
}

const registered: MessagingModuleOptions = {
  url: 'amqp://127.0.0.1:1',
  prefetch: 4,
  env: {},
  ...quiet,
};

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class MessagingConfig implements MessagingOptionsFactory {
  createMessagingOptions(): MessagingModuleOptions {
    return registered;
  }
}

describeModuleRegistration<MessagingModuleOptions, ResolvedMessagingOptions>('MessagingModule', {
  module: MessagingModule,
  options: registered,
  optionsFactory: MessagingConfig,
  factoryMethodName: 'createMessagingOptions',
  init: false,
  check: (moduleRef, options) => {
    expect(moduleRef.get(MESSAGING_OPTIONS)).toBe(options);
    expect(moduleRef.get(MessagingService).readiness()).toEqual({
      ready: false,
      detail: 'broker unreachable',
    });
  },
  injected: {
    decorator: InjectMessagingOptions,
    check: (resolved) => {
      expect(resolved.url).toEqual(new URL('amqp://127.0.0.1:1'));
      expect(resolved.prefetch).toBe(4);
      expect(resolved.maxAttempts).toBe(5);
    },
  },
  invalid: [
    {
      options: { env: {}, prefetch: 0, ...quiet },
      setting: 'AMQP_URL',
      contains: 'AMQP_URL: is required',
    },
    { options: { url: 'amqp://127.0.0.1:1', env: {}, prefetch: 0, ...quiet }, setting: 'prefetch' },
  ],
});

describe('start-up refusals', () => {
  describe('when the broker URL is missing or wrong', () => {
    it('requires AMQP_URL or AMQP_URL_FILE', () => {
      const caught = refusal({});
      expect(caught).toBeInstanceOf(BulwarkConfigError);
      expect(caught.setting).toBe('AMQP_URL');
      expect(caught.message).toBe(
        'AMQP_URL: is required: the broker URL, such as amqps://broker.internal:5671/vhost. Set AMQP_URL, or AMQP_URL_FILE to a file holding it.',
      );
    });

    it('refuses both AMQP_URL and AMQP_URL_FILE', () => {
      expect(refusal({ AMQP_URL: 'amqps://b', AMQP_URL_FILE: '/x' }).message).toBe(
        'AMQP_URL: and AMQP_URL_FILE are both set. Set only one of them.',
      );
    });

    it('reads AMQP_URL_FILE, and names it when the file is missing', () => {
      const file = join(dir, 'url');
      writeFileSync(file, 'amqps://user:secret@broker.internal:5671/orders\n');
      expect(resolveMessagingOptions({ env: { AMQP_URL_FILE: file } }).url.hostname).toBe(
        'broker.internal',
      );
      expect(refusal({ AMQP_URL_FILE: join(dir, 'absent') }).message).toBe(
        `AMQP_URL_FILE: the file ${join(dir, 'absent')} cannot be read (ENOENT). Mount the file or correct AMQP_URL_FILE.`,
      );
    });

    it('never echoes a URL that may hold a password', () => {
      const caught = refusal({ AMQP_URL: 'amqps://user:hunter2@[broken' });
      expect(caught.message).toBe(
        'AMQP_URL: is not a valid URL. Set it to amqps://host:port/vhost.',
      );
      expect(caught.message).not.toContain('hunter2');
    });

    it('refuses a scheme other than amqps and amqp', () => {
      expect(refusal({ AMQP_URL: 'http://broker' }).message).toBe(
        'AMQP_URL: has the scheme http; only amqps (or amqp outside production) is accepted. Set AMQP_URL to amqps://host:port/vhost.',
      );
    });
  });

  describe('when in production', () => {
    it('refuses amqp:// unless AMQP_ALLOW_PLAINTEXT=true', () => {
      const env = { NODE_ENV: 'production', AMQP_URL: 'amqp://broker' };
      expect(refusal(env).message).toBe(
        'AMQP_URL: uses amqp:// in production, where only amqps:// is accepted. Use amqps://, or set AMQP_ALLOW_PLAINTEXT=true when a service mesh encrypts the hop.',
      );
      expect(
        resolveMessagingOptions({ env: { ...env, AMQP_ALLOW_PLAINTEXT: 'true' } }).url.protocol,
      ).toBe('amqp:');
    });

    it('accepts amqp:// outside production', () => {
      expect(resolveMessagingOptions({ env: { AMQP_URL: 'amqp://broker' } }).url.protocol).toBe(
        'amqp:',
      );
    });

    it('names AMQP_ALLOW_PLAINTEXT when it is not a boolean', () => {
      expect(refusal({ AMQP_URL: 'amqps://b', AMQP_ALLOW_PLAINTEXT: 'maybe' }).message).toBe(
        'AMQP_ALLOW_PLAINTEXT: must be true or false. Set AMQP_ALLOW_PLAINTEXT=true or AMQP_ALLOW_PLAINTEXT=false.',
      );
    });
  });

  describe('when the TLS files are inconsistent', () => {
    it('refuses a certificate without its key', () => {
      expect(refusal({ AMQP_URL: 'amqps://b', TLS_CERT_FILE: pem }).message).toBe(
        'TLS_CERT_FILE: is set without keyFile (TLS_KEY_FILE). A client certificate needs both files; set both or neither.',
      );
    });

    it('refuses a client certificate over amqp://', () => {
      expect(refusal({ AMQP_URL: 'amqp://b', TLS_CERT_FILE: pem, TLS_KEY_FILE: pem }).message).toBe(
        'TLS_CERT_FILE: is set but AMQP_URL is amqp://: a client certificate needs amqps://. Use amqps://.',
      );
    });

    it('refuses a password in the URL beside a client certificate', () => {
      expect(
        refusal({ AMQP_URL: 'amqps://u:p@b', TLS_CERT_FILE: pem, TLS_KEY_FILE: pem }).message,
      ).toBe(
        'AMQP_URL: holds a user name or password while a client certificate is set: with a certificate the broker authenticates with EXTERNAL. Remove the credentials from the URL.',
      );
    });

    it('names TLS_CERT_FILE when it holds no certificate', async () => {
      await expect(
        Test.createTestingModule({
          imports: [
            MessagingModule.forRoot({
              env: { AMQP_URL: 'amqps://b', TLS_CERT_FILE: pem, TLS_KEY_FILE: pem },
              ...quiet,
            }),
          ],
        }).compile(),
      ).rejects.toThrow(
        `certFile (TLS_CERT_FILE): the file ${pem} does not hold a PEM certificate. Mount the client certificate there.`,
      );
    });

    it('names TLS_CA_FILE when it cannot be read', () => {
      expect(refusal({ AMQP_URL: 'amqps://b', TLS_CA_FILE: join(dir, 'nope.pem') }).setting).toBe(
        'TLS_CA_FILE',
      );
    });
  });

  describe('when a number is out of range', () => {
    it('names the variable', () => {
      expect(refusal({ AMQP_URL: 'amqps://b', MESSAGING_PREFETCH: '0' }).message).toBe(
        'MESSAGING_PREFETCH: must be an integer from 1 to 1000. Set MESSAGING_PREFETCH to such a number or unset it.',
      );
      expect(refusal({ AMQP_URL: 'amqps://b', MESSAGING_MAX_ATTEMPTS: 'many' }).setting).toBe(
        'MESSAGING_MAX_ATTEMPTS',
      );
    });

    it('names the option', () => {
      expect(refusal({ AMQP_URL: 'amqps://b' }, { maxAttempts: 0 }).message).toBe(
        'maxAttempts: must be an integer from 1 to 100. Set maxAttempts to such a number or leave it unset.',
      );
    });

    it('applies the defaults', () => {
      expect(resolveMessagingOptions({ env: { AMQP_URL: 'amqps://b' } })).toMatchObject({
        prefetch: 16,
        maxAttempts: 5,
        retryDelayMs: 5000,
        maxMessageBytes: 262_144,
        maxAgeSeconds: 300,
        publishBufferSize: 1000,
        publishTimeoutMs: 10_000,
        declare: true,
      });
    });
  });

  describe('when the producers are wrong', () => {
    it('parses MESSAGING_PRODUCERS and refuses a malformed one', () => {
      const env = { AMQP_URL: 'amqps://b', MESSAGING_PRODUCERS: `${PRODUCER}=${jwksFile}` };
      expect([...resolveMessagingOptions({ env }).producers]).toEqual([[PRODUCER, jwksFile]]);
      expect(refusal({ AMQP_URL: 'amqps://b', MESSAGING_PRODUCERS: 'orders' }).setting).toBe(
        'MESSAGING_PRODUCERS',
      );
    });

    it('refuses a producer file that holds a private key', async () => {
      const file = join(dir, 'private.jwks.json');
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] }));
      await expect(
        Test.createTestingModule({
          imports: [
            MessagingModule.forRoot({
              url: 'amqp://127.0.0.1:1',
              env: {},
              producers: { [PRODUCER]: file },
              ...quiet,
            }),
          ],
        }).compile(),
      ).rejects.toThrow(
        `producers (${PRODUCER}): the file ${file} is not a JWKS ({ "keys": [...] }) with at least one public key.`,
      );
    });
  });

  describe('when the signing key is not Ed25519 or P-256', () => {
    it('stops start-up naming MESSAGING_SIGNING_KEY_FILE', async () => {
      const file = join(dir, 'rsa.pem');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const moduleRef = await Test.createTestingModule({
        imports: [
          MessagingModule.forRoot({
            url: 'amqp://127.0.0.1:1',
            env: { MESSAGING_SIGNING_KEY_FILE: file },
            ...quiet,
          }),
        ],
      }).compile();
      await expect(moduleRef.init()).rejects.toThrow(
        `signingKeyFile (MESSAGING_SIGNING_KEY_FILE): the key in ${file} is rsa; only Ed25519 (EdDSA) and P-256 (ES256) keys sign messages.`,
      );
    });
  });
});

describe('deny by default at start-up', () => {
  async function init(consume: ConsumeOptions, second?: ConsumeOptions) {
    @Injectable()
    class Handlers {
      @Consume(consume)
      first() {}

      @Consume(second ?? { ...consume, type: 'other.type' })
      second() {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          url: 'amqp://127.0.0.1:1',
          env: {},
          producers: { [PRODUCER]: jwksFile },
          ...quiet,
        }),
      ],
      providers: [Handlers],
    }).compile();
    return moduleRef.init();
  }
  const valid: ConsumeOptions = {
    queue: 'billing.orders',
    exchange: 'orders.events',
    type: 'order.created',
    producers: [PRODUCER],
    validate: (payload) => payload,
  };

  it('stops on a handler that declares no producers, naming it', async () => {
    await expect(init({ ...valid, producers: [] })).rejects.toThrow(
      '@Consume() on Handlers.first: declares no producers, so it would accept anyone. List the producer ids (broker users, SPIFFE IDs under mTLS) it accepts in producers.',
    );
  });

  it('stops on a handler that does not validate its payload', async () => {
    const { validate: _, ...unvalidated } = valid;
    await expect(init(unvalidated as ConsumeOptions)).rejects.toThrow(
      '@Consume() on Handlers.first: does not validate its payload. Give dto (a class-validator class) or validate (a function that returns the payload or throws).',
    );
  });

  it('stops on a producer without keys', async () => {
    await expect(
      init({ ...valid, producers: ['spiffe://cluster.local/ns/x/sa/y'] }),
    ).rejects.toThrow(
      '@Consume() on Handlers.first: accepts producer "spiffe://cluster.local/ns/x/sa/y", which has no keys. Add it to producers (MESSAGING_PRODUCERS) with its JWKS file.',
    );
  });

  it('stops on two handlers for one type of a queue', async () => {
    await expect(init(valid, valid)).rejects.toThrow(
      '@Consume() on Handlers.second: type "order.created" on queue "billing.orders" is already handled by Handlers.first. Give each type of a queue one handler.',
    );
  });
});

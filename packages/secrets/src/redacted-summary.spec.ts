import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The runner's own error rendering (message and diff), so the test sees what a failure prints.
import { processError } from 'vitest/internal/browser';
import { AeadCipher, generateAeadKey } from './aead-cipher.js';
import { generateSealKey, KeyRing } from './key-ring.js';
import { loadSecrets } from './load-secrets.js';
import { MIN_PASSWORD_HASH_COST, PasswordHasher } from './password-hasher.js';
import type { SecretStore } from './secret-store.js';
import { SecretsModule } from './secrets.module.js';
import { SecretsService } from './secrets.service.js';
import type { SecretRotation } from './secrets-options.interface.js';

/** The key material of a key line (`bulwark-…-key:v1:<kid>:<base64url>`), as bytes. */
function keyBytes(line: string): Buffer {
  return Buffer.from(line.slice(line.lastIndexOf(':') + 1), 'base64url');
}

/**
 * Every form a secret could take in printed or serialized output: the text, and its bytes as
 * raw, hex (both cases), base64 and base64url (unpadded, so a substring match still finds it),
 * and the comma-separated decimal list `util.inspect` prints for a Uint8Array.
 */
function encodings(secret: string | Buffer): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret) : secret;
  const forms = [
    bytes.toString('latin1'),
    bytes.toString('utf8'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    [...bytes.subarray(0, 8)].join(', '),
    [...bytes.subarray(0, 8)].join(','),
  ];
  return typeof secret === 'string' ? [secret, ...forms] : forms;
}

/** Everything a developer, a logger or a test runner would print for `value`. */
function renderings(value: unknown): Record<string, string> {
  return {
    inspect: inspect(value),
    inspectDeep: inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspectNested: inspect({ nested: [value] }, { depth: Number.POSITIVE_INFINITY }),
    formatO: format('%o', value),
    formatS: format('%s', value),
    json: JSON.stringify(value),
    jsonNested: JSON.stringify({ nested: [value] }),
  };
}

function expectNoSecrets(value: unknown, secrets: (string | Buffer)[]): void {
  for (const [how, text] of Object.entries(renderings(value))) {
    for (const secret of secrets) {
      for (const form of encodings(secret)) {
        if (text.includes(form)) {
          throw new Error(`${how} output holds a secret (as ${JSON.stringify(form.slice(0, 6))}…)`);
        }
      }
    }
  }
}

let dir: string;
const stores: SecretStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-summary-'));
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('objects holding secret material print and serialize as a redacted summary', () => {
  it('SecretStore: plain values, the key ring and unsealed plaintext', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    const sealer = await KeyRing.parse(key.publicKey);
    await writeFile(join(dir, 'SEAL_KEYS'), `${key.secretKey}\n`);
    await writeFile(join(dir, 'SMTP_PASSWORD'), sealer.seal('unsealed-smtp-secret-9'));
    const store = await loadSecrets({
      required: ['SEAL_KEYS', 'SMTP_PASSWORD', 'REDIS_URL'],
      unsealWith: 'SEAL_KEYS',
      directories: [dir],
      env: { REDIS_URL: 'redis://:store-secret-77@redis:6379' },
      watch: false,
    });
    stores.push(store);
    expect(store.get('SMTP_PASSWORD')).toBe('unsealed-smtp-secret-9');

    expectNoSecrets(store, [
      'unsealed-smtp-secret-9',
      'redis://:store-secret-77@redis:6379',
      'store-secret-77',
      key.secretKey,
      keyBytes(key.secretKey),
    ]);
    expect(JSON.parse(JSON.stringify(store))).toEqual({
      type: 'SecretStore',
      names: ['SEAL_KEYS', 'SMTP_PASSWORD', 'REDIS_URL'],
      sources: {
        SEAL_KEYS: { kind: 'file', path: join(dir, 'SEAL_KEYS'), via: 'directory' },
        SMTP_PASSWORD: { kind: 'file', path: join(dir, 'SMTP_PASSWORD'), via: 'directory' },
        REDIS_URL: { kind: 'env', variable: 'REDIS_URL' },
      },
      values: '[REDACTED]',
      keyRing: { type: 'KeyRing', kids: ['k1'], privateKeys: 1 },
      watchers: 0,
      closed: false,
    });
    expect(inspect(store)).toMatch(/^SecretStore \{\n {2}names: \[ 'SEAL_KEYS', 'SMTP_PASSWORD'/);
  });

  // Regression: a test that expected a rejection got the store instead, and its failure
  // printed the whole store, raw key material included, as 200 MB of log.
  it("a failing assertion's message about a SecretStore holds no secret", async () => {
    await writeFile(join(dir, 'API_TOKEN'), 'assertion-secret-token-5');
    const store = await loadSecrets({ required: ['API_TOKEN'], directories: [dir], env: {} });
    stores.push(store);
    const failure = await expect(Promise.resolve(store))
      .rejects.toThrow('never')
      .then(
        () => new Error('the assertion passed'),
        (error: unknown) => error as Error,
      );
    // What the runner prints: the message, and the diff it renders from `actual`.
    const printed = processError(failure) as { message: string; diff?: string };
    const output = `${printed.message}\n${printed.diff ?? ''}`;
    expect(output).toContain('SecretStore');
    expect(output).not.toContain('assertion-secret-token-5');
    expect(output.length).toBeLessThan(4_000);
  });

  it('KeyRing and the generated seal key pair', async () => {
    const newest = await generateSealKey({ kid: 'k2' });
    const oldest = await generateSealKey({ kid: 'k1' });
    const ring = await KeyRing.parse(`${newest.secretKey}\n${oldest.secretKey}`);
    const secrets = [newest, oldest].flatMap((key) => [key.secretKey, keyBytes(key.secretKey)]);
    expectNoSecrets(ring, secrets);
    expectNoSecrets(newest, secrets);
    expect(ring.toJSON()).toEqual({ type: 'KeyRing', kids: ['k2', 'k1'], privateKeys: 2 });
    expect(JSON.parse(JSON.stringify(newest))).toEqual({
      type: 'GeneratedSealKey',
      kid: 'k2',
      publicKey: newest.publicKey,
      secretKey: '[REDACTED]',
    });
    // Destructuring, the way the README shows it, is unchanged.
    const { secretKey, publicKey, kid } = newest;
    expect([kid, secretKey.startsWith('bulwark-seal-key:v1:k2:'), publicKey]).toEqual([
      'k2',
      true,
      newest.publicKey,
    ]);
    ring.destroy();
  });

  it('AeadCipher and the generated AEAD key', async () => {
    const generated = await generateAeadKey({ kid: 'd1' });
    const cipher = await AeadCipher.parse(generated.key);
    const secrets = [generated.key, keyBytes(generated.key)];
    expectNoSecrets(cipher, secrets);
    expectNoSecrets(generated, secrets);
    expect(cipher.toJSON()).toEqual({ type: 'AeadCipher', kids: ['d1'] });
    cipher.destroy();
  });

  it('the rotation handed to listeners', async () => {
    await writeFile(join(dir, 'ROTATING'), 'rotation-secret-before');
    const store = await loadSecrets({
      required: ['ROTATING'],
      directories: [dir],
      env: {},
      watch: false,
    });
    stores.push(store);
    const seen: SecretRotation[] = [];
    store.onRotate('ROTATING', (rotation) => seen.push(rotation));
    await writeFile(join(dir, 'ROTATING'), 'rotation-secret-after');
    expect(await store.refresh()).toEqual(['ROTATING']);
    const [rotation] = seen;
    expect(rotation?.value).toBe('rotation-secret-after');
    expect(rotation?.previous).toBe('rotation-secret-before');
    expectNoSecrets(rotation, ['rotation-secret-before', 'rotation-secret-after']);
  });

  it('PasswordHasher, while it verifies', async () => {
    const hasher = await PasswordHasher.create({ workers: 1 });
    try {
      const hash = await hasher.hash('hasher-password-41', MIN_PASSWORD_HASH_COST);
      const verifying = hasher.verify(hash, 'hasher-password-41');
      expectNoSecrets(hasher, ['hasher-password-41']);
      expect(hasher.toJSON()).toMatchObject({ type: 'PasswordHasher', busy: 1 });
      expect(await verifying).toBe(true);
    } finally {
      await hasher.close();
    }
  });

  it('SecretsService from the Nest module', async () => {
    await writeFile(join(dir, 'DB_PASSWORD'), 'service-db-secret-3');
    const ref = await Test.createTestingModule({
      imports: [
        SecretsModule.forRoot({
          required: ['DB_PASSWORD'],
          directories: [dir],
          env: {},
          watch: false,
        }),
      ],
    }).compile();
    try {
      const service = ref.get(SecretsService);
      expect(service.get('DB_PASSWORD')).toBe('service-db-secret-3');
      expectNoSecrets(service, ['service-db-secret-3']);
      expect(service.toJSON()).toMatchObject({ type: 'SecretsService', names: ['DB_PASSWORD'] });
    } finally {
      await ref.close();
    }
  });
});

import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@bulwark/logging';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSealKey, KeyRing } from './key-ring.js';
import { loadSecrets } from './load-secrets.js';
import type { SecretStore } from './secret-store.js';

/** @bulwark/logging's real logger, writing into an array instead of stdout. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line) => lines.push(line) },
  });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

let dir: string;
const stores: SecretStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-redaction-'));
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('secrets loaded through @bulwark/secrets, logged through @bulwark/logging', () => {
  it('hides a mounted secret loaded after the logger was created, and its rotated value', async () => {
    // The logger exists first: values registered later must still reach its scrubber.
    const { logger, lines, parsed } = capturedLogger();
    await writeFile(join(dir, 'redis-password'), 'pa"ss\\word-from-file-1\n');
    const store = await loadSecrets({
      required: ['REDIS_PASSWORD', 'API_TOKEN'],
      directories: [dir],
      env: { API_TOKEN: 'tok_env_secret_value' },
      watch: false,
    });
    stores.push(store);

    logger.info({ url: `redis://:${store.get('REDIS_PASSWORD')}@redis:6379` }, 'connecting');
    logger.warn(`token ${store.get('API_TOKEN')} rejected upstream`);
    logger.debug({ nested: { deeper: [{ note: `pw=${store.get('REDIS_PASSWORD')}` }] } }, 'deep');

    await writeFile(join(dir, '.tmp'), 'rotated-password-2');
    await rename(join(dir, '.tmp'), join(dir, 'redis-password'));
    expect(await store.refresh()).toEqual(['REDIS_PASSWORD']);
    logger.error(
      { err: new Error(`auth failed for ${store.get('REDIS_PASSWORD')}`) },
      'redis down',
    );

    const output = lines.join('');
    expect(lines).toHaveLength(4);
    expect(output).not.toContain('word-from-file-1');
    expect(output).not.toContain('tok_env_secret_value');
    expect(output).not.toContain('rotated-password-2');
    const [connecting, token, deep, down] = parsed();
    expect(connecting).toMatchObject({
      level: 'info',
      url: 'redis://:[REDACTED]@redis:6379',
      msg: 'connecting',
    });
    expect(token).toMatchObject({ level: 'warn', msg: 'token [REDACTED] rejected upstream' });
    expect(deep).toMatchObject({ nested: { deeper: [{ note: 'pw=[REDACTED]' }] } });
    expect(down).toMatchObject({
      level: 'error',
      msg: 'redis down',
      err: {
        message: 'auth failed for [REDACTED]',
        stack: expect.stringContaining('auth failed for [REDACTED]'),
      },
    });
  });

  it('hides a secret loaded before the logger was created', async () => {
    await writeFile(join(dir, 'DATABASE_URL'), 'postgres://app:early-db-password@db/app');
    const store = await loadSecrets({ required: ['DATABASE_URL'], directories: [dir], env: {} });
    stores.push(store);
    const { logger, lines, parsed } = capturedLogger();

    logger.info({ dsn: store.get('DATABASE_URL') }, `using ${store.get('DATABASE_URL')}`);

    expect(lines.join('')).not.toContain('early-db-password');
    expect(parsed()[0]).toMatchObject({ dsn: '[REDACTED]', msg: 'using [REDACTED]' });
  });

  it('hides the plaintext of a sealed value, not only the sealed text', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    const ring = await KeyRing.parse(key.secretKey);
    await writeFile(join(dir, 'SEAL_KEYS'), key.secretKey);
    await writeFile(join(dir, 'SMTP_PASSWORD'), ring.seal('unsealed-smtp-password'));
    ring.destroy();
    const { logger, lines, parsed } = capturedLogger();
    const store = await loadSecrets({
      required: ['SMTP_PASSWORD'],
      unsealWith: 'SEAL_KEYS',
      directories: [dir],
      env: {},
      watch: false,
    });
    stores.push(store);

    logger.info(`smtp login with ${store.get('SMTP_PASSWORD')}`);

    expect(lines.join('')).not.toContain('unsealed-smtp-password');
    expect(parsed()[0]).toMatchObject({ msg: 'smtp login with [REDACTED]' });
  });

  // Regression: the ring was registered only as its whole multi-line text, so one logged key
  // line, or its bare key, came out in clear.
  it('hides each private key of a multi-key ring and each line of a PEM secret', async () => {
    const newest = await generateSealKey({ kid: 'k2' });
    const oldest = await generateSealKey({ kid: 'k1' });
    await writeFile(
      join(dir, 'SEAL_KEYS'),
      `# newest first\n${newest.secretKey}\n${oldest.secretKey}\n`,
    );
    const pemBody = [
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      'pemSecondLineAbCdEf0123456789',
    ];
    await writeFile(
      join(dir, 'TLS_KEY'),
      `-----BEGIN PRIVATE KEY-----\n${pemBody.join('\n')}\n-----END PRIVATE KEY-----\n`,
    );
    const store = await loadSecrets({
      required: ['SEAL_KEYS', 'TLS_KEY'],
      unsealWith: 'SEAL_KEYS',
      directories: [dir],
      env: {},
      watch: false,
    });
    stores.push(store);
    const { logger, lines, parsed } = capturedLogger();
    const keyOf = (line: string) => line.split(':').at(-1) ?? '';

    logger.info(`ring line ${oldest.secretKey}`);
    logger.info({ key: keyOf(newest.secretKey), pem: pemBody[1] }, 'parts');
    logger.info(`public ${newest.publicKey}`);

    const output = lines.join('');
    for (const key of [newest.secretKey, oldest.secretKey].map(keyOf)) {
      expect(output).not.toContain(key);
    }
    expect(output).not.toContain('pemSecondLine');
    const [ringLine, partsLine, publicLine] = parsed();
    expect(ringLine).toMatchObject({ msg: 'ring line [REDACTED]' });
    expect(partsLine).toMatchObject({ key: '[REDACTED]', pem: '[REDACTED]' });
    // A public key is not secret and stays readable.
    expect(publicLine).toMatchObject({ msg: `public ${newest.publicKey}` });
  });
});

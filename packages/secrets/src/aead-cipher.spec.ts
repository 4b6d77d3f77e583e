import { expectThrown } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';
import { AeadCipher, generateAeadKey } from './aead-cipher.js';
import { SecretsError } from './secrets.error.js';

const caught = (fn: () => unknown): SecretsError => expectThrown(SecretsError, fn);

describe('AeadCipher', () => {
  it('round-trips with associated data', async () => {
    const cipher = await AeadCipher.parse((await generateAeadKey({ kid: 'd1' })).key);
    const stored = cipher.encrypt('4111 1111 1111 1111', 'card:42');
    expect(stored).toMatch(/^aead:v1:d1:[A-Za-z0-9_-]+$/);
    expect(cipher.decryptString(stored, 'card:42')).toBe('4111 1111 1111 1111');
    expect(cipher.decryptString(cipher.encrypt('no ad'))).toBe('no ad');
  });

  it('throws SECRETS_DECRYPT_FAILED when the associated data differs', async () => {
    const cipher = await AeadCipher.parse((await generateAeadKey({ kid: 'd1' })).key);
    const stored = cipher.encrypt('secret', 'card:42');
    const error = caught(() => cipher.decrypt(stored, 'card:43'));
    expect(error.code).toBe('SECRETS_DECRYPT_FAILED');
    expect(error.message).toBe(
      'the value encrypted with key "d1" could not be decrypted: it was tampered with, or the associated data differs',
    );
    expect(caught(() => cipher.decrypt(stored)).code).toBe('SECRETS_DECRYPT_FAILED');
  });

  it('throws SECRETS_DECRYPT_FAILED for a tampered ciphertext or a wrong key', async () => {
    const cipher = await AeadCipher.parse((await generateAeadKey({ kid: 'd1' })).key);
    const stored = cipher.encrypt('secret value');
    const body = Buffer.from(stored.slice('aead:v1:d1:'.length), 'base64url');
    body[30] = (body[30] ?? 0) ^ 0xff;
    const tampered = `aead:v1:d1:${body.toString('base64url')}`;
    expect(caught(() => cipher.decrypt(tampered)).code).toBe('SECRETS_DECRYPT_FAILED');
    const other = await AeadCipher.parse((await generateAeadKey({ kid: 'd1' })).key);
    expect(caught(() => other.decrypt(stored)).code).toBe('SECRETS_DECRYPT_FAILED');
    expect(caught(() => cipher.decrypt('aead:v1:d1:AAAA')).code).toBe('SECRETS_DECRYPT_FAILED');
  });

  it('decrypts old values after rotation and encrypts with the newest key', async () => {
    const oldKey = await generateAeadKey({ kid: 'old' });
    const newKey = await generateAeadKey({ kid: 'new' });
    const oldValue = (await AeadCipher.parse(oldKey.key)).encrypt('v', 'ad');
    const cipher = await AeadCipher.parse(`${newKey.key}\n${oldKey.key}`);
    expect(cipher.decryptString(oldValue, 'ad')).toBe('v');
    expect(cipher.encrypt('v', 'ad').startsWith('aead:v1:new:')).toBe(true);
    const moved = cipher.reencrypt(oldValue, 'ad');
    expect(moved.startsWith('aead:v1:new:')).toBe(true);
    expect((await AeadCipher.parse(newKey.key)).decryptString(moved, 'ad')).toBe('v');
    const error = caught(() => cipher.decrypt('aead:v1:nope:AAAA'));
    expect(error.code).toBe('SECRETS_UNKNOWN_KEY');
  });

  it('refuses seal keys and short keys in an AEAD ring', async () => {
    await expect(AeadCipher.parse('bulwark-seal-pub:v1:k:AAAA')).rejects.toMatchObject({
      code: 'SECRETS_INVALID_KEY',
      message: 'key ring line 1 holds a bulwark-seal-pub, but this ring takes bulwark-aead-key',
    });
    await expect(AeadCipher.parse('bulwark-aead-key:v1:k:AAAA')).rejects.toMatchObject({
      code: 'SECRETS_INVALID_KEY',
      message: 'key ring line 1 ("k") is not a 32-byte key',
    });
  });
});

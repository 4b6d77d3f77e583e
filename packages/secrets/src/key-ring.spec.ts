import { expectThrown } from '@bulwark/test-harness';
import sodium from 'libsodium-wrappers-sumo';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSealKey, KeyRing } from './key-ring.js';
import { SecretsError } from './secrets.error.js';

function flipLastByte(sealed: string): string {
  const prefix = sealed.slice(0, sealed.lastIndexOf(':') + 1);
  const bytes = Buffer.from(sealed.slice(prefix.length), 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
  return prefix + bytes.toString('base64url');
}

const caught = (fn: () => unknown): SecretsError => expectThrown(SecretsError, fn);

describe('KeyRing', () => {
  it('round-trips a value, in the sealed:v1:<kid>: format', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    const ring = await KeyRing.parse(key.secretKey);
    const sealed = ring.seal('redis://:hunter2@redis:6379');
    expect(sealed).toMatch(/^sealed:v1:k1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('hunter2');
    expect(ring.unsealString(sealed)).toBe('redis://:hunter2@redis:6379');
    expect(ring.seal('same')).not.toBe(ring.seal('same'));
  });

  it('derives an 11-character key id from the public key when none is given', async () => {
    const key = await generateSealKey();
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(key.publicKey.startsWith(`bulwark-seal-pub:v1:${key.kid}:`)).toBe(true);
  });

  it('throws SECRETS_DECRYPT_FAILED for a tampered ciphertext, with no plaintext', async () => {
    const ring = await KeyRing.parse((await generateSealKey({ kid: 'k1' })).secretKey);
    const error = caught(() => ring.unseal(flipLastByte(ring.seal('top secret value'))));
    expect(error.code).toBe('SECRETS_DECRYPT_FAILED');
    expect(error.message).toBe(
      'the value sealed for key "k1" could not be unsealed: it was tampered with or sealed for a different key',
    );
    expect(error.message).not.toContain('top secret');
  });

  it('throws SECRETS_DECRYPT_FAILED for a wrong key under the same key id', async () => {
    const sealer = await KeyRing.parse((await generateSealKey({ kid: 'k1' })).secretKey);
    const other = await KeyRing.parse((await generateSealKey({ kid: 'k1' })).secretKey);
    expect(caught(() => other.unseal(sealer.seal('value'))).code).toBe('SECRETS_DECRYPT_FAILED');
  });

  it('throws SECRETS_UNKNOWN_KEY for a key id not in the ring', async () => {
    const sealer = await KeyRing.parse((await generateSealKey({ kid: 'gone' })).secretKey);
    const ring = await KeyRing.parse((await generateSealKey({ kid: 'k2' })).secretKey);
    const error = caught(() => ring.unseal(sealer.seal('value')));
    expect(error.code).toBe('SECRETS_UNKNOWN_KEY');
    expect(error.message).toBe(
      'the value was sealed for key "gone", which is not in the key ring (k2)',
    );
  });

  it('throws SECRETS_MALFORMED for text that is not a sealed value', async () => {
    const ring = await KeyRing.parse((await generateSealKey({ kid: 'k1' })).secretKey);
    expect(caught(() => ring.unseal('hunter2')).code).toBe('SECRETS_MALFORMED');
    expect(caught(() => ring.unseal('sealed:v1:k1:AAAA')).code).toBe('SECRETS_DECRYPT_FAILED');
  });

  describe('when rotated to a second key', () => {
    it('keeps old values decrypting, seals new ones with the new key, and re-seals', async () => {
      const oldKey = await generateSealKey({ kid: '2025' });
      const newKey = await generateSealKey({ kid: '2026' });
      const before = await KeyRing.parse(oldKey.secretKey);
      const oldValue = before.seal('old secret');

      const ring = await KeyRing.parse(
        `# newest first\n${newKey.secretKey}\n\n${oldKey.secretKey}\n`,
      );
      expect(ring.kids).toEqual(['2026', '2025']);
      expect(ring.unsealString(oldValue)).toBe('old secret');
      const newValue = ring.seal('new secret');
      expect(newValue.startsWith('sealed:v1:2026:')).toBe(true);

      const resealed = ring.reseal(oldValue);
      expect(resealed.startsWith('sealed:v1:2026:')).toBe(true);
      expect(ring.unsealString(resealed)).toBe('old secret');
      expect(ring.reseal(newValue)).toBe(newValue);

      const onlyNew = await KeyRing.parse(newKey.secretKey);
      expect(onlyNew.unsealString(resealed)).toBe('old secret');
      expect(caught(() => onlyNew.unseal(oldValue)).code).toBe('SECRETS_UNKNOWN_KEY');
    });

    it('re-seals every sealed token in a text and leaves the rest alone', async () => {
      const oldKey = await generateSealKey({ kid: 'a' });
      const newKey = await generateSealKey({ kid: 'b' });
      const old = await KeyRing.parse(oldKey.secretKey);
      const text = `A=${old.seal('one')}\nPLAIN=x\nB: ${old.seal('two')}\n`;
      const ring = await KeyRing.parse(`${newKey.secretKey}\n${oldKey.secretKey}`);
      const result = ring.resealText(text);
      expect(result.resealed).toBe(2);
      const lines = result.text.split('\n');
      expect(lines[1]).toBe('PLAIN=x');
      expect(ring.unsealString(lines[0]?.slice(2) ?? '')).toBe('one');
      expect(ring.unsealString(lines[2]?.slice(3) ?? '')).toBe('two');
      expect(result.text).not.toContain('sealed:v1:a:');
    });
  });

  it('seals with a public-key-only ring but cannot unseal with it', async () => {
    const key = await generateSealKey({ kid: 'pub' });
    const sealer = await KeyRing.parse(key.publicKey);
    const sealed = sealer.seal('committed config');
    const error = caught(() => sealer.unseal(sealed));
    expect(error.code).toBe('SECRETS_UNKNOWN_KEY');
    expect(error.message).toBe(
      'key "pub" is in the key ring as a public key only, so it cannot unseal',
    );
    expect((await KeyRing.parse(key.secretKey)).unsealString(sealed)).toBe('committed config');
  });

  it('cannot unseal after destroy() wiped the keys', async () => {
    const ring = await KeyRing.parse((await generateSealKey({ kid: 'k' })).secretKey);
    const sealed = ring.seal('value');
    ring.destroy();
    expect(caught(() => ring.unseal(sealed)).code).toBe('SECRETS_UNKNOWN_KEY');
  });

  it('rejects malformed rings with the line number and never the key', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    await expect(KeyRing.parse('')).rejects.toMatchObject({
      code: 'SECRETS_INVALID_KEY',
      message: 'the key ring holds no key',
    });
    await expect(KeyRing.parse(`${key.secretKey}\nnot-a-key`)).rejects.toMatchObject({
      code: 'SECRETS_MALFORMED',
      message: expect.stringMatching(/^key ring line 2 is not a key/),
    });
    await expect(KeyRing.parse(`${key.secretKey}\n${key.secretKey}`)).rejects.toMatchObject({
      code: 'SECRETS_INVALID_KEY',
      message: 'key ring line 2 repeats key id "k1"',
    });
    await expect(KeyRing.parse('bulwark-seal-key:v1:k1:AAAA')).rejects.toMatchObject({
      code: 'SECRETS_INVALID_KEY',
      message: 'key ring line 1 ("k1") is 3 bytes, expected 32',
    });
    await expect(generateSealKey({ kid: 'has:colon' })).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
    });
  });

  // Regression: only the failing line's bytes were wiped; keys decoded before it stayed in
  // memory after the error.
  describe('when parsing fails', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** Records every buffer libsodium decodes from base64, without changing what it returns. */
    function decodedBuffers(): Uint8Array[] {
      const decoded: Uint8Array[] = [];
      const original = sodium.from_base64.bind(sodium);
      vi.spyOn(sodium, 'from_base64').mockImplementation((...args) => {
        const bytes = original(...args);
        decoded.push(bytes);
        return bytes;
      });
      return decoded;
    }

    const wiped = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

    it.each([
      ['a later line is malformed', (keys: string[]) => `${keys.join('\n')}\nnot-a-key`],
      ['a later line repeats a key id', (keys: string[]) => `${keys.join('\n')}\n${keys[0]}`],
      [
        'a later key has the wrong length',
        (keys: string[]) => `${keys.join('\n')}\nbulwark-seal-key:v1:k9:AAAA`,
      ],
    ])('wipes every key it decoded when %s', async (_case, ringText) => {
      const keys = [
        (await generateSealKey({ kid: 'k1' })).secretKey,
        (await generateSealKey({ kid: 'k2' })).secretKey,
      ];
      const decoded = decodedBuffers();
      await expect(KeyRing.parse(ringText(keys))).rejects.toBeInstanceOf(SecretsError);
      const keyBuffers = decoded.filter((bytes) => bytes.length === 32);
      expect(keyBuffers).toHaveLength(2);
      expect(keyBuffers.every(wiped)).toBe(true);
    });
  });
});

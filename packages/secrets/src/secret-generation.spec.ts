import { describe, expect, it } from 'vitest';
import { generateApiKey, generatePassword, PASSWORD_SYMBOLS } from './secret-generation.js';

describe('generatePassword', () => {
  it('derives the length from the entropy: 128 bits of letters and digits is 22 characters', async () => {
    const password = await generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(await generatePassword({ bits: 256 })).toHaveLength(43);
    expect(await generatePassword({ bits: 64, alphabet: '01' })).toMatch(/^[01]{64}$/);
  });

  it('draws symbols only when asked', async () => {
    const password = await generatePassword({ bits: 2048, symbols: true });
    const allowed = new RegExp(`^[A-Za-z0-9${PASSWORD_SYMBOLS.replace(/[-\\^\]]/g, '\\$&')}]+$`);
    expect(password).toMatch(allowed);
    expect([...PASSWORD_SYMBOLS].some((symbol) => password.includes(symbol))).toBe(true);
  });

  it('does not repeat itself', async () => {
    const passwords = await Promise.all(Array.from({ length: 50 }, () => generatePassword()));
    expect(new Set(passwords).size).toBe(50);
  });

  it('refuses entropy outside 64 to 2048 bits and tiny alphabets', async () => {
    await expect(generatePassword({ bits: 32 })).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
      message: 'bits must be an integer from 64 to 2048',
    });
    await expect(generatePassword({ alphabet: 'aaaa' })).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
    });
  });
});

describe('generateApiKey', () => {
  it('encodes the requested entropy in base64url behind an optional prefix', async () => {
    const key = await generateApiKey({ prefix: 'bk_live' });
    expect(key).toMatch(/^bk_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(8), 'base64url')).toHaveLength(32);
    expect(await generateApiKey({ bits: 128 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('refuses bits that are not whole bytes and bad prefixes', async () => {
    await expect(generateApiKey({ bits: 130 })).rejects.toMatchObject({
      message: 'bits must be a multiple of 8',
    });
    await expect(generateApiKey({ prefix: 'has space' })).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { hashPassword, passwordNeedsRehash, verifyPassword } from './password-hash.js';
import { MIN_PASSWORD_HASH_COST } from './password-hasher.js';

// The floor cost keeps the suite fast; the default profile is covered once below.
const cost = MIN_PASSWORD_HASH_COST;

describe('Argon2id password hashing', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple', cost);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('uses the interactive profile (64 MiB, 2 passes) by default', async () => {
    const hash = await hashPassword('pw-default');
    expect(hash.startsWith('$argon2id$v=19$m=65536,t=2,p=1$')).toBe(true);
    expect(await passwordNeedsRehash(hash)).toBe(false);
    expect(await passwordNeedsRehash(hash, 'moderate')).toBe(true);
  });

  it('flags a hash below the wanted cost for rehash', async () => {
    const hash = await hashPassword('pw', cost);
    expect(await passwordNeedsRehash(hash, cost)).toBe(false);
    expect(await passwordNeedsRehash(hash, 'interactive')).toBe(true);
  });

  it('throws SECRETS_MALFORMED for a hash that is not Argon2', async () => {
    await expect(verifyPassword('$2b$10$abcdefghijklmnopqrstuv', 'pw')).rejects.toMatchObject({
      code: 'SECRETS_MALFORMED',
    });
  });

  it('refuses a stored hash claiming a cost above the maximum', async () => {
    const hash = await hashPassword('pw', cost);
    const inflated = hash.replace('m=19456', 'm=4194304');
    await expect(verifyPassword(inflated, 'pw')).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
      message:
        'the stored hash claims a cost above the maximum (m=4194304 KiB, t=2; maxMemLimit is 65536 KiB)',
    });
  });

  it('refuses costs below the floor, empty passwords and oversized ones', async () => {
    await expect(
      hashPassword('pw', { opsLimit: 1, memLimit: cost.memLimit }),
    ).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
    });
    await expect(hashPassword('', cost)).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
      message: 'the password is empty',
    });
    await expect(hashPassword('x'.repeat(4097), cost)).rejects.toMatchObject({
      code: 'SECRETS_INVALID_INPUT',
      message: 'the password is longer than 4096 bytes',
    });
  });
});

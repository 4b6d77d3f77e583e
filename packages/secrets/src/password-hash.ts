import { loadSodium, toBytes } from './internal/sodium.js';
import { SecretsError } from './secrets.error.js';

/**
 * Argon2id cost presets, from libsodium:
 * - `interactive`: 2 passes, 64 MiB (online logins; the default)
 * - `moderate`: 3 passes, 256 MiB
 * - `sensitive`: 4 passes, 1 GiB (rare, high-value secrets; slow)
 */
export type PasswordHashProfile = 'interactive' | 'moderate' | 'sensitive';

/** Argon2id cost: a preset or explicit limits. */
export type PasswordHashCost = PasswordHashProfile | { opsLimit: number; memLimit: number };

/** The smallest cost accepted: OWASP's Argon2id floor (19 MiB, 2 passes). */
export const MIN_PASSWORD_HASH_COST = { opsLimit: 2, memLimit: 19 * 1024 * 1024 } as const;
/** The largest cost accepted, and the largest a stored hash may claim when verified. */
export const MAX_PASSWORD_HASH_COST = { opsLimit: 10, memLimit: 1024 * 1024 * 1024 } as const;
/** Longer passwords are refused, so a request cannot make hashing arbitrarily expensive. */
export const MAX_PASSWORD_BYTES = 4096;

const HASH_PATTERN = /^\$argon2id?\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

function limits(cost: PasswordHashCost): { opsLimit: number; memLimit: number } {
  if (typeof cost === 'object') {
    const { opsLimit, memLimit } = cost;
    const ok =
      Number.isSafeInteger(opsLimit) &&
      Number.isSafeInteger(memLimit) &&
      opsLimit >= MIN_PASSWORD_HASH_COST.opsLimit &&
      opsLimit <= MAX_PASSWORD_HASH_COST.opsLimit &&
      memLimit >= MIN_PASSWORD_HASH_COST.memLimit &&
      memLimit <= MAX_PASSWORD_HASH_COST.memLimit;
    if (!ok) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `cost: opsLimit must be ${MIN_PASSWORD_HASH_COST.opsLimit} to ${MAX_PASSWORD_HASH_COST.opsLimit} and memLimit ${MIN_PASSWORD_HASH_COST.memLimit} to ${MAX_PASSWORD_HASH_COST.memLimit} bytes`,
      );
    }
    return { opsLimit, memLimit };
  }
  switch (cost) {
    case 'interactive':
      return { opsLimit: 2, memLimit: 64 * 1024 * 1024 };
    case 'moderate':
      return { opsLimit: 3, memLimit: 256 * 1024 * 1024 };
    case 'sensitive':
      return { opsLimit: 4, memLimit: 1024 * 1024 * 1024 };
    default: {
      const unknown: never = cost;
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `cost: unknown profile "${String(unknown)}"; use interactive, moderate or sensitive`,
      );
    }
  }
}

function passwordBytes(password: string | Uint8Array): Uint8Array {
  const bytes = toBytes(password);
  if (bytes.length > MAX_PASSWORD_BYTES) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      `the password is longer than ${MAX_PASSWORD_BYTES} bytes`,
    );
  }
  return bytes;
}

function parseHash(hash: string): { memLimit: number; opsLimit: number } {
  const match = HASH_PATTERN.exec(hash);
  if (!match) {
    throw new SecretsError(
      'SECRETS_MALFORMED',
      'the stored hash is not an Argon2 hash in PHC format ($argon2id$v=19$m=…,t=…,p=…$…$…)',
    );
  }
  return { memLimit: Number(match[1]) * 1024, opsLimit: Number(match[2]) };
}

/**
 * Hashes a password with Argon2id (`crypto_pwhash_str`): a PHC string with its own salt and
 * cost, ready to store.
 *
 * @param cost - @default 'interactive'
 * @example
 * ```ts
 * const hash = await hashPassword(body.password);
 * ```
 */
export async function hashPassword(
  password: string | Uint8Array,
  cost: PasswordHashCost = 'interactive',
): Promise<string> {
  const { opsLimit, memLimit } = limits(cost);
  const bytes = passwordBytes(password);
  if (bytes.length === 0) {
    throw new SecretsError('SECRETS_INVALID_INPUT', 'the password is empty');
  }
  const lib = await loadSodium();
  try {
    return lib.crypto_pwhash_str(bytes, opsLimit, memLimit);
  } finally {
    if (typeof password === 'string') lib.memzero(bytes);
  }
}

/**
 * Verifies a password against an Argon2 hash in constant time. Returns `false` for a wrong
 * password; throws `SECRETS_MALFORMED` for a hash that is not Argon2, and
 * `SECRETS_INVALID_INPUT` for a hash whose cost exceeds `MAX_PASSWORD_HASH_COST` (a tampered
 * hash could otherwise make one verification use gigabytes).
 *
 * @example
 * ```ts
 * if (!(await verifyPassword(user.passwordHash, body.password))) throw unauthorized();
 * ```
 */
export async function verifyPassword(
  hash: string,
  password: string | Uint8Array,
): Promise<boolean> {
  const claimed = parseHash(hash);
  if (
    claimed.memLimit > MAX_PASSWORD_HASH_COST.memLimit ||
    claimed.opsLimit > MAX_PASSWORD_HASH_COST.opsLimit
  ) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      'the stored hash claims a cost above the maximum',
    );
  }
  const bytes = toBytes(password);
  if (bytes.length === 0 || bytes.length > MAX_PASSWORD_BYTES) return false;
  const lib = await loadSodium();
  try {
    return lib.crypto_pwhash_str_verify(hash, bytes);
  } finally {
    if (typeof password === 'string') lib.memzero(bytes);
  }
}

/**
 * Whether a stored hash should be replaced (after a successful login) because it is not
 * Argon2id or its cost differs from `cost`.
 *
 * @param cost - @default 'interactive'
 */
export async function passwordNeedsRehash(
  hash: string,
  cost: PasswordHashCost = 'interactive',
): Promise<boolean> {
  parseHash(hash);
  if (!hash.startsWith('$argon2id$')) return true;
  const { opsLimit, memLimit } = limits(cost);
  const lib = await loadSodium();
  return lib.crypto_pwhash_str_needs_rehash(hash, opsLimit, memLimit);
}

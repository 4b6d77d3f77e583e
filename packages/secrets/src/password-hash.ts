import { type PasswordHashCost, PasswordHasher } from './password-hasher.js';

let shared: Promise<PasswordHasher> | undefined;

/**
 * The hasher behind `hashPassword`, `verifyPassword` and `passwordNeedsRehash`: created with
 * the default options on first use, and kept. Create your own with `PasswordHasher.create()` at
 * start-up to choose the options and have the memory check run before traffic arrives.
 */
function defaultHasher(): Promise<PasswordHasher> {
  shared ??= PasswordHasher.create().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Hashes a password with Argon2id (`crypto_pwhash_str`) on the default `PasswordHasher`'s
 * worker threads: a PHC string with its own salt and cost, ready to store.
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
  return (await defaultHasher()).hash(password, cost);
}

/**
 * Verifies a password against an Argon2 hash in constant time, on the default
 * `PasswordHasher`'s worker threads. Returns `false` for a wrong password; throws
 * `SECRETS_MALFORMED` for a hash that is not Argon2, `SECRETS_INVALID_INPUT` for a hash that
 * claims more than 64 MiB (a tampered hash could otherwise make one check use gigabytes), and
 * `PasswordHashBusyError` (503) when the queue is full.
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
  return (await defaultHasher()).verify(hash, password);
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
  return (await defaultHasher()).needsRehash(hash, cost);
}

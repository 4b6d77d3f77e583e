/**
 * Passwords: Argon2id hashing, verification and the needs-rehash check, run in a bounded pool of
 * worker threads, with the cost limits and the error raised when the pool is full.
 *
 * @packageDocumentation
 */
export { hashPassword, passwordNeedsRehash, verifyPassword } from '../password-hash.js';
export type {
  PasswordHashCost,
  PasswordHasherOptions,
  PasswordHashProfile,
} from '../password-hasher.js';
export {
  MAX_PASSWORD_BYTES,
  MAX_PASSWORD_HASH_COST,
  MIN_PASSWORD_HASH_COST,
  PasswordHasher,
} from '../password-hasher.js';
export { PasswordHashBusyError } from '../secrets.error.js';

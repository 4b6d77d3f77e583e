import { BulwarkError, ProblemException, problem } from '@bulwark/core';

/**
 * Stable reasons a `SecretsError` carries.
 *
 * - `SECRETS_DECRYPT_FAILED`: the ciphertext was tampered with, or was sealed for another key.
 * - `SECRETS_UNKNOWN_KEY`: the key id is not in the key ring, or only its public half is.
 * - `SECRETS_MALFORMED`: the text is not in the expected `sealed:v1:…`, `aead:v1:…`, key or hash format.
 * - `SECRETS_INVALID_KEY`: key material of the wrong length or kind.
 * - `SECRETS_UNREADABLE`: a secret file exists but cannot be read (permissions, a directory, too large).
 * - `SECRETS_UNKNOWN_SECRET`: a name that was not declared in the options.
 * - `SECRETS_NOT_SET`: an optional secret that has no value.
 * - `SECRETS_INVALID_INPUT`: a bad argument, such as an entropy outside the allowed range.
 * - `SECRETS_BUSY`: a key-ring file is locked by another writer past the wait; or, as a
 *   `PasswordHashBusyError`, every password-hash worker is busy and the queue is full.
 * - `SECRETS_WORKER_FAILED`: a password-hash worker died (out of memory, a crash) during a task.
 */
export type SecretsErrorCode =
  | 'SECRETS_DECRYPT_FAILED'
  | 'SECRETS_UNKNOWN_KEY'
  | 'SECRETS_MALFORMED'
  | 'SECRETS_INVALID_KEY'
  | 'SECRETS_UNREADABLE'
  | 'SECRETS_UNKNOWN_SECRET'
  | 'SECRETS_NOT_SET'
  | 'SECRETS_INVALID_INPUT'
  | 'SECRETS_BUSY'
  | 'SECRETS_WORKER_FAILED';

/**
 * The one error class of `@bulwark/secrets`. Messages name the secret, key id or file, and
 * never contain a secret value or any part of a plaintext.
 *
 * @example
 * ```ts
 * try {
 *   ring.unseal(value);
 * } catch (error) {
 *   if (error instanceof SecretsError && error.code === 'SECRETS_DECRYPT_FAILED') rejectConfig();
 * }
 * ```
 */
export class SecretsError extends BulwarkError<SecretsErrorCode> {}

/**
 * Every password-hash worker is busy and the queue is full: answer later instead of waiting
 * without bound. It is a `ProblemException`, so `@bulwark/errors` answers it as a 503
 * `urn:bulwark:problem:service-unavailable` problem with `Retry-After`, on any route that awaits
 * `verifyPassword` or `hashPassword`. Its `code` is `SECRETS_BUSY`.
 *
 * @example
 * ```ts
 * try {
 *   await hasher.verify(user.passwordHash, body.password);
 * } catch (error) {
 *   if (error instanceof PasswordHashBusyError) retryIn(error.retryAfterSeconds);
 * }
 * ```
 */
export class PasswordHashBusyError extends ProblemException {
  /** Stable reason, as on a `SecretsError`. */
  readonly code = 'SECRETS_BUSY' as const;
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, queued: number) {
    super(
      problem('service-unavailable', {
        detail: 'Too many password checks are in progress. Try again later.',
        reason: `password hashing is at capacity: every worker is busy and ${queued} task(s) wait`,
        headers: { 'retry-after': String(retryAfterSeconds) },
      }),
    );
    this.name = 'PasswordHashBusyError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

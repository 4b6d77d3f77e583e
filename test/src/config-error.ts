import { BulwarkConfigError } from '@bulwark/core';
import { expect } from 'vitest';

/** What a refused configuration must say; each given field is asserted. */
export interface ExpectedConfigError {
  /** `error.setting`: the option or environment variable the message names first. */
  readonly setting?: string;
  /** The whole message (a string, compared exactly) or a pattern it must match. */
  readonly message?: string | RegExp;
  /** Parts the message must contain. */
  readonly contains?: string | readonly string[];
  /** Parts the message must never contain, such as a secret the refused value held. */
  readonly omits?: string | readonly string[];
}

function asList(parts: string | readonly string[] | undefined): readonly string[] {
  return parts === undefined ? [] : typeof parts === 'string' ? [parts] : parts;
}

function check(caught: unknown, expected: ExpectedConfigError): BulwarkConfigError {
  expect(caught).toBeInstanceOf(BulwarkConfigError);
  const error = caught as BulwarkConfigError;
  expect(error.code).toBe('INVALID_CONFIG');
  if (expected.setting !== undefined) expect(error.setting).toBe(expected.setting);
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else if (expected.message !== undefined) expect(error.message).toMatch(expected.message);
  for (const part of asList(expected.contains)) expect(error.message).toContain(part);
  for (const part of asList(expected.omits)) expect(error.message).not.toContain(part);
  return error;
}

/**
 * Runs `run` and asserts that it throws an instance of `ErrorClass` (such as a package's own
 * error class); returns it for assertions on its `code` and message.
 *
 * @example
 * ```ts
 * expect(expectThrown(SecretsError, () => cipher.decrypt(tampered)).code).toBe('DECRYPT_FAILED');
 * ```
 */
export function expectThrown<E>(
  ErrorClass: abstract new (...args: never[]) => E,
  run: () => unknown,
): E {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) {
    throw new Error(`expected a ${ErrorClass.name}, but nothing was thrown`);
  }
  expect(caught).toBeInstanceOf(ErrorClass);
  return caught as E;
}

/**
 * Runs `run` and asserts that it throws a `BulwarkConfigError` with code `INVALID_CONFIG` and
 * what `expected` gives (setting, exact message or pattern, parts it contains or omits).
 * Returns the error for any further assertion.
 *
 * @example
 * ```ts
 * expectConfigError(() => HealthModule.forRoot({ checkTimeoutMs: 0 }), {
 *   setting: 'checkTimeoutMs',
 *   message: 'checkTimeoutMs: must be an integer number of milliseconds from 1 to 60000. …',
 * });
 * ```
 */
export function expectConfigError(
  run: () => unknown,
  expected: ExpectedConfigError = {},
): BulwarkConfigError {
  return check(expectThrown(BulwarkConfigError, run), expected);
}

/**
 * Awaits `start` (a promise, or a function returning one, such as a module's compile and init)
 * and asserts that it rejects with a `BulwarkConfigError` as {@link expectConfigError} does.
 *
 * @example
 * ```ts
 * await expectConfigRejection(
 *   () => Test.createTestingModule({ imports: [HealthModule.forRootAsync({ useFactory })] }).compile(),
 *   { setting: 'cacheTtlMs' },
 * );
 * ```
 */
export async function expectConfigRejection(
  start: Promise<unknown> | (() => Promise<unknown>),
  expected: ExpectedConfigError = {},
): Promise<BulwarkConfigError> {
  let caught: unknown;
  try {
    await (typeof start === 'function' ? start() : start);
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) {
    throw new Error('expected a rejection with a BulwarkConfigError, but it resolved');
  }
  return check(caught, expected);
}

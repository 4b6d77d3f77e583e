import { isAbsolute } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { envBool } from '@bulwark/core/env';
import type { ResolvedSecretsOptions, SecretsModuleOptions } from '../secrets-options.interface.js';

/** Secret names become environment variable names (`<NAME>` and `<NAME>_FILE`). */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function names(option: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new BulwarkConfigError(option, 'must be an array of secret names, such as ["REDIS_URL"]');
  }
  return value.map((name: unknown) => {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new BulwarkConfigError(
        option,
        `"${String(name)}" is not a valid secret name: use letters, digits and "_", starting with a letter or "_"`,
      );
    }
    return name;
  });
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new BulwarkConfigError(option, 'must be true or false');
  return value;
}

function int(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(option, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates options once, with messages naming the option; fills in the defaults. */
export function validateSecretsOptions(
  options: SecretsModuleOptions | undefined,
  defaultWarn: (message: string) => void,
): ResolvedSecretsOptions {
  if (options === null || typeof options !== 'object') {
    throw new BulwarkConfigError('options', 'SecretsModule needs an options object');
  }
  const required = names('required', options.required);
  const optional = names('optional', options.optional);
  const unsealWith =
    options.unsealWith === undefined ? undefined : names('unsealWith', [options.unsealWith])[0];
  if (unsealWith !== undefined && !required.includes(unsealWith)) required.unshift(unsealWith);
  if (required.length + optional.length === 0) {
    throw new BulwarkConfigError(
      'required',
      'list at least one secret name in required or optional',
    );
  }
  const all = [...required, ...optional];
  const duplicate = all.find((name, index) => all.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new BulwarkConfigError(
      'optional',
      `"${duplicate}" is listed twice; name each secret once, in required or in optional`,
    );
  }
  const directories = options.directories ?? ['/run/secrets'];
  if (
    !Array.isArray(directories) ||
    directories.some((dir) => typeof dir !== 'string' || !isAbsolute(dir))
  ) {
    throw new BulwarkConfigError(
      'directories',
      'must be an array of absolute paths, such as ["/run/secrets"]',
    );
  }
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw new BulwarkConfigError('onWarning', 'must be a function (message: string) => void');
  }
  if (options.env !== undefined && (options.env === null || typeof options.env !== 'object')) {
    throw new BulwarkConfigError('env', 'must be an object of environment variables');
  }
  const env = options.env ?? process.env;
  return {
    required,
    optional,
    directories: [...directories],
    env,
    allowEnv: bool('allowEnv', options.allowEnv, true),
    watch: bool('watch', options.watch, true),
    watchDebounceMs: int('watchDebounceMs', options.watchDebounceMs, 100, 0, 60_000),
    maxFileBytes: int('maxFileBytes', options.maxFileBytes, 65_536, 1, 16 * 1024 * 1024),
    trimTrailingNewline: bool('trimTrailingNewline', options.trimTrailingNewline, true),
    unsealWith,
    strictPermissions:
      options.strictPermissions === undefined
        ? envBool('SECRETS_STRICT_PERMISSIONS', false, { env })
        : bool('strictPermissions', options.strictPermissions, false),
    permissionWarnings: new Set(),
    onWarning: options.onWarning ?? defaultWarn,
  };
}

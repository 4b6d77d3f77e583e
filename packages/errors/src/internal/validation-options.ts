import { BulwarkConfigError } from '@bulwark/core';
import type { ClassTransformOptions } from 'class-transformer';
import type { StrictValidationOptions } from '../validation-options.interface.js';

/** Fields a client may never set, whatever a DTO declares (mass assignment, OWASP API3). */
export const PROTECTED_FIELDS: readonly string[] = Object.freeze([
  'id',
  '_id',
  'owner',
  'ownerId',
  'tenantId',
  'role',
  'roles',
  'permissions',
  'isAdmin',
  'createdAt',
  'updatedAt',
]);

/** {@link StrictValidationOptions} after checks and defaults. */
export interface ResolvedValidationOptions {
  readonly protectedFields: ReadonlySet<string>;
  readonly maxDepth: number;
  readonly transform: boolean;
  readonly transformOptions: ClassTransformOptions | undefined;
}

const KNOWN = new Set([
  'protectedFields',
  'maxDepth',
  'transform',
  'transformOptions',
  'whitelist',
  'forbidNonWhitelisted',
  'forbidUnknownValues',
]);
const ALWAYS_ON = ['whitelist', 'forbidNonWhitelisted', 'forbidUnknownValues'] as const;

/**
 * Checks the validation pipe's options; `setting` names them in errors (`validation`).
 *
 * @throws BulwarkConfigError naming the option at fault.
 */
export function resolveValidationOptions(
  options: StrictValidationOptions,
  setting = 'validation',
): ResolvedValidationOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BulwarkConfigError(setting, 'must be an options object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new BulwarkConfigError(
        `${setting}.${key}`,
        `is not an option of the validation pipe; it takes ${[...KNOWN].slice(0, 4).join(', ')}`,
      );
    }
  }
  for (const key of ALWAYS_ON) {
    if (options[key] !== undefined && options[key] !== true) {
      throw new BulwarkConfigError(
        `${setting}.${key}`,
        'is always on: unknown fields are refused, never passed on or dropped',
      );
    }
  }
  const fields = options.protectedFields ?? PROTECTED_FIELDS;
  if (!Array.isArray(fields) || fields.some((field) => typeof field !== 'string')) {
    throw new BulwarkConfigError(`${setting}.protectedFields`, 'must be an array of field names');
  }
  const maxDepth = options.maxDepth ?? 32;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 1000) {
    throw new BulwarkConfigError(`${setting}.maxDepth`, 'must be an integer from 1 to 1000');
  }
  const transform = options.transform ?? true;
  if (typeof transform !== 'boolean') {
    throw new BulwarkConfigError(`${setting}.transform`, 'must be true or false');
  }
  const transformOptions = options.transformOptions;
  if (
    transformOptions !== undefined &&
    (typeof transformOptions !== 'object' || transformOptions === null)
  ) {
    throw new BulwarkConfigError(`${setting}.transformOptions`, 'must be an object');
  }
  return { protectedFields: new Set(fields), maxDepth, transform, transformOptions };
}

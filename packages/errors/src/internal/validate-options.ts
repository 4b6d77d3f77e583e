import { BulwarkConfigError } from '@bulwark/core';
import type { ErrorsModuleOptions } from '../errors-options.interface.js';
import { resolveValidationOptions } from './validation-options.js';

/**
 * Checks {@link ErrorsModuleOptions}.
 *
 * @throws BulwarkConfigError naming the option at fault.
 */
export function validateErrorsOptions(
  options: ErrorsModuleOptions | undefined,
): ErrorsModuleOptions {
  const value = options ?? {};
  if (typeof value !== 'object')
    throw new BulwarkConfigError('ErrorsModule', 'options must be an object');
  const { validation, requestIds } = value;
  if (
    validation !== undefined &&
    typeof validation !== 'boolean' &&
    typeof validation !== 'object'
  ) {
    throw new BulwarkConfigError('validation', 'must be true, false or ValidationPipe options');
  }
  if (typeof validation === 'object') resolveValidationOptions(validation);
  if (requestIds !== undefined && typeof requestIds !== 'boolean') {
    throw new BulwarkConfigError('requestIds', 'must be true or false');
  }
  return value;
}

import { BulwarkConfigError } from '@bulwark/core';
import type { ErrorsModuleOptions, ResolvedErrorsOptions } from '../errors-options.interface.js';
import { resolveValidationOptions } from './validation-options.js';

/**
 * Validates {@link ErrorsModuleOptions} and applies the defaults: the options `ErrorsModule`'s
 * providers, `@InjectErrorsOptions()` and `applyErrorHandling` use.
 *
 * @throws BulwarkConfigError naming the option at fault.
 */
export function resolveErrorsOptions(
  options: ErrorsModuleOptions | undefined,
): ResolvedErrorsOptions {
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
  return {
    // An app that registers no authorization has not said which fields its clients own.
    validation:
      validation === false
        ? false
        : { protectedFields: [], ...(typeof validation === 'object' ? validation : {}) },
    requestIds: requestIds ?? true,
  };
}

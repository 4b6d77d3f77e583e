import { StrictValidationPipe } from '../validation.pipe.js';
import type { StrictValidationOptions } from '../validation-options.interface.js';

/**
 * The pipe as `applyErrorHandling` and `ErrorsModule` install it: with the resolved `validation`
 * option (see `resolveErrorsOptions`), and the body parser's depth limit unless it sets its own.
 */
export function installedPipe(
  validation: StrictValidationOptions,
  maxDepth?: number,
): StrictValidationPipe {
  return new StrictValidationPipe(
    maxDepth === undefined ? validation : { maxDepth, ...validation },
  );
}
